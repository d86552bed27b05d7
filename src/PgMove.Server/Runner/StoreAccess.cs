using Npgsql;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Server.Configuration;

namespace PgMove.Server.Runner;

/// <summary>
/// Opens the state store for one use: a SQLite connection is not shared between threads, so every request
/// and every runner has its own (WAL mode lets them all read while runners write). A shared PostgreSQL store
/// borrows connections from one pool per process.
/// </summary>
public sealed class StoreAccess(ServiceSettings settings) : IDisposable
{
    private readonly Lazy<(NpgsqlDataSource DataSource, SecretBox Secrets)> _shared = new(() =>
        (NpgsqlDataSource.Create(settings.SharedStore!.Connection.ToNpgsqlConnectionString()), SecretBox.FromKeyFile(settings.SharedStore.KeyFile)));

    /// <summary>Several nodes share the store: migrations are leased.</summary>
    public bool IsShared => settings.SharedStore is not null;

    public IMigrationStore Open() => settings.SharedStore is null ? MigrationStore.Open(settings.StorePath) : OpenShared();

    /// <summary>The shared store; only when <see cref="IsShared"/>.</summary>
    public PostgresMigrationStore OpenShared() => PostgresMigrationStore.Open(_shared.Value.DataSource, _shared.Value.Secrets, settings.SharedStore!.Options);

    public T Read<T>(Func<IMigrationStore, T> read)
    {
        using var store = Open();
        return read(store);
    }

    /// <summary>The migrations into one cluster, newest first.</summary>
    public IReadOnlyList<MigrationRecord> ForCluster(ManagedCluster cluster) =>
        Read(store => store.All().Where(r => r.Target == cluster.Target.ToString()).ToList());

    public void Dispose()
    {
        if (_shared.IsValueCreated)
            _shared.Value.DataSource.Dispose();
    }
}
