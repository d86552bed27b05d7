using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Server.Configuration;

namespace PgMove.Server.Runner;

/// <summary>
/// Opens the state store for one use: a SQLite connection is not shared between threads, so every request
/// and every runner has its own (WAL mode lets them all read while runners write).
/// </summary>
public sealed class StoreAccess(ServiceSettings settings)
{
    public MigrationStore Open() => MigrationStore.Open(settings.StorePath);

    public T Read<T>(Func<MigrationStore, T> read)
    {
        using var store = Open();
        return read(store);
    }

    /// <summary>The migrations into one cluster, newest first.</summary>
    public IReadOnlyList<MigrationRecord> ForCluster(ManagedCluster cluster) =>
        Read(store => store.All().Where(r => r.Target == cluster.Target.ToString()).ToList());
}
