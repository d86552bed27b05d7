using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Tests.State;

/// <summary>A syncing relay migration written into a store, for the tests of requests made to it.</summary>
internal static class SyncingRecord
{
    /// <param name="runnerPid">The process recorded as its runner (with a fresh heartbeat), or none.</param>
    public static MigrationRecord CreateIn(IMigrationStore store, int? runnerPid = null)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new MigrationRecord
        {
            Id = Guid.NewGuid().ToString(),
            Method = MigrationMethod.Relay,
            Status = MigrationStatus.Syncing,
            CreatedAt = now,
            UpdatedAt = now,
            Source = "postgres://postgres@source:5432/postgres?sslmode=disable",
            Target = "postgres://postgres@target:5432/postgres?sslmode=disable",
            RunnerPid = runnerPid,
            RunnerHeartbeat = runnerPid is null ? null : now,
            IgnoreDatabases = [],
        };
        var spec = new ConnectionSpec { Host = "x", Database = "postgres", Username = "postgres" };
        store.Create(record, spec, spec);
        if (runnerPid is not null)
            store.Update(record);
        return record;
    }
}
