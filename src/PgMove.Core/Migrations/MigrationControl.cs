using System.Diagnostics;
using PgMove.Core.Errors;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

/// <summary>
/// stop and cutover from any process: when a runner is alive they leave it a request in the store and wait
/// for the outcome; when none is, they do the work themselves.
/// </summary>
public static class MigrationControl
{
    /// <summary>The request a cutover leaves once every stream has caught up and it starts dropping slots: resuming finishes the cutover.</summary>
    public const string CutoverFinishing = "cutover-finishing";

    public static bool HasLiveRunner(MigrationRecord record)
    {
        // A shared (PostgreSQL) store: the runner may be on another host; its lease says whether it lives.
        if (record.LeaseOwner is not null)
            return record.LeaseUntil > DateTimeOffset.UtcNow;
        if (record.RunnerPid is not { } pid || record.RunnerHeartbeat is not { } beat || beat < DateTimeOffset.UtcNow.AddSeconds(-15))
            return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static MigrationRecord Find(IMigrationStore store, string? id) =>
        (id is null ? store.Latest() : store.Get(id))
        ?? throw new PgMoveException("migration.not_found", id is null ? "There is no migration in the state store." : $"There is no migration {id}.",
            "Start one with pgmove start, or name the right state file with --state.");

    public static async Task<MigrationRecord> StopAsync(IMigrationStore store, string? id, CancellationToken ct)
    {
        var record = Find(store, id);
        if (!record.IsActive && record.Status != MigrationStatus.Error)
            return record;
        // Claiming first: with a shared store another node may be taking the migration over at this instant.
        if (HasLiveRunner(record) || !store.TryClaim(record))
        {
            store.SetRequest(record.Id, "stop");
            return await WaitAsync(store, record.Id, ct);
        }
        return await MigrationRunner.StopWithoutRunnerAsync(store, record, ct);
    }

    /// <summary>Asks the live runner to cut over and waits; without one, the caller runs the migration with the request set.</summary>
    public static async Task<MigrationRecord?> RequestCutoverAsync(IMigrationStore store, string? id, bool freeze, CancellationToken ct)
    {
        var record = Find(store, id);
        if (!record.IsActive)
            throw new PgMoveException("migration.not_active", $"Migration {record.Id} is {MigrationStore.Name(record.Status)}; only a running or syncing migration can be cut over.",
                "Start a migration with pgmove start.");
        if (record.Request != CutoverFinishing)
            store.SetRequest(record.Id, freeze ? "cutover-freeze" : "cutover");
        return HasLiveRunner(record) ? await WaitAsync(store, record.Id, ct) : null;
    }

    private static async Task<MigrationRecord> WaitAsync(IMigrationStore store, string id, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(500, ct);
            var record = store.Get(id)!;
            if (!record.IsActive)
                return record;
            if (HasLiveRunner(record))
                continue;
            // The runner may have finished the request and exited between the read above and this check: only a
            // record still active after it is gone means the request was left unfinished.
            record = store.Get(id)!;
            if (!record.IsActive)
                return record;
            throw new PgMoveException("migration.runner_gone", $"The process running migration {id} went away before finishing the request.",
                "Run the same command again: with no runner alive it does the work itself.");
        }
    }
}
