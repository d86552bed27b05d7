using Npgsql;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.State;

/// <summary>
/// One throwaway PostgreSQL server as a shared state store for a test class (started by the first test that asks,
/// stopped with the class), and a key file as a deployment would give every node.
/// </summary>
public sealed class StoreCluster : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1);
    private PgCluster? _cluster;
    private NpgsqlDataSource? _dataSource;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("pgmove-store-").FullName;

    public string KeyFile => Path.Combine(Directory, "store.key");

    public async Task<PgCluster> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_cluster is null)
            {
                PgInstallations.Require(15);
                _cluster = await PgCluster.StartAsync(new ClusterOptions { Major = 15, WalLevel = "replica" });
                await File.WriteAllBytesAsync(KeyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                _dataSource = NpgsqlDataSource.Create(_cluster.Spec().ToNpgsqlConnectionString());
            }
            return _cluster;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A store in <paramref name="schema"/> as node <paramref name="node"/> sees it.</summary>
    public async Task<PostgresMigrationStore> OpenAsync(string schema, string node, TimeSpan? lease = null)
    {
        await GetAsync();
        return PostgresMigrationStore.Open(_dataSource!, SecretBox.FromKeyFile(KeyFile),
            new PostgresStoreOptions { Schema = schema, NodeId = node, Lease = lease ?? TimeSpan.FromSeconds(30) });
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
            await _dataSource.DisposeAsync();
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
