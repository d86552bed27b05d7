using PgMove.Core.Errors;

namespace PgMove.Server.Runner;

/// <summary>A migration into that cluster is already running or syncing.</summary>
public sealed class ClusterBusyException(string clusterName, string migrationId, string status)
    : PgMoveException("migration.cluster_busy", $"Migration {migrationId} into cluster {clusterName} is already {status}.",
        "Stop it (DELETE …/online-migration/{migration_id}) or cut it over before starting another.")
{
    public string MigrationId { get; } = migrationId;
}
