using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.BadInput;

/// <summary>
/// A healthy source (15, database shop, a non-superuser role) and target (17, a role without CREATEDB) shared by
/// the bad-input cases: each case must leave both exactly as it found them.
/// </summary>
public sealed class BadInputServers : IAsyncLifetime
{
    public PgCluster Source { get; private set; } = null!;

    public PgCluster Target { get; private set; } = null!;

    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("pgmove-badinput-").FullName;

    /// <summary>A state file of its own for each case: a case that wrongly started a migration must not hand it to the next.</summary>
    public string NewStatePath() => Path.Combine(StateDirectory, $"state-{Guid.NewGuid():N}.db");

    public static string Uri(PgCluster cluster, string user = "postgres", string database = "postgres", string sslmode = "disable") =>
        $"postgres://{user}@{cluster.Host}:{cluster.Port}/{System.Uri.EscapeDataString(database)}?sslmode={sslmode}";

    public async Task InitializeAsync()
    {
        if (PgInstallations.Find(15) is null || PgInstallations.Find(17) is null)
            return;
        (Source, Target) = await PgCluster.StartPairAsync(15, 17);
        await Source.ExecuteAsync("CREATE DATABASE shop");
        await Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'i' || g FROM generate_series(1, 100) g", "shop");
        await Source.ExecuteAsync("CREATE ROLE plain LOGIN");
        await Target.ExecuteAsync("CREATE ROLE weak LOGIN");
    }

    public async Task DisposeAsync()
    {
        if (Source is not null)
            await Source.DisposeAsync();
        if (Target is not null)
            await Target.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }
}
