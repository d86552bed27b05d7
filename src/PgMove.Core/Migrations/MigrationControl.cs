using System.Diagnostics;
using PgMove.Core.Errors;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Core.Migrations;

/// <summary>
/// stop and cutover from any process: when a runner is alive they leave it a request in the store and wait
/// for the outcome; when none is, they do the work themselves.
/// </summary>
public static partial class MigrationControl
{
    /// <summary>
    /// The request a cutover leaves once every stream has confirmed its mark, before it checks, verifies and drops
    /// anything: a runner resumed with it finishes the cutover first, without copying or provisioning again.
    /// </summary>
    public const string CutoverFinishing = "cutover-finishing";

    /// <summary>As <see cref="CutoverFinishing"/>, for a cutover that froze the source (undone if the cutover is refused).</summary>
    public const string CutoverFinishingFrozen = "cutover-finishing-freeze";

    public static bool IsCutoverFinishing(string? request) => request is CutoverFinishing or CutoverFinishingFrozen;

    /// <summary>Leaves a cutover request, unless a cutover is already finishing (which must not start over).</summary>
    public static void SetCutoverRequest(IMigrationStore store, string id, bool freeze)
    {
        if (!IsCutoverFinishing(store.Get(id)?.Request))
            store.SetRequest(id, freeze ? "cutover-freeze" : "cutover");
    }

    /// <summary>
    /// Leaves a cutover request with the switch it asks for (the CLI's and the service's one rule): the switch's settings
    /// are written before the request, which a runner may take at once; a cutover without a switch clears those of an
    /// earlier request. A cutover already finishing, or a switch under way, goes on with what it was asked.
    /// </summary>
    /// <param name="record">The migration as just read from <paramref name="store"/>.</param>
    /// <param name="switchSettings">How the applications move, or null for none (a switch implies a freeze).</param>
    public static void LeaveCutoverRequest(IMigrationStore store, MigrationRecord record, bool freeze, SwitchSettings? switchSettings)
    {
        if (!IsCutoverFinishing(record.Request) && record.SwitchStep is null)
            store.SetSwitch(record.Id, switchSettings);
        SetCutoverRequest(store, record.Id, freeze || switchSettings is not null);
    }

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

    public static MigrationRecord Find(IMigrationStore store, string? id)
    {
        var record = (id is null ? store.Latest() : store.Get(id))
            ?? throw new PgMoveException("migration.not_found", id is null ? "There is no migration in the state store." : $"There is no migration {id}.",
                "Start one with pgmove start, or name the right state file with --state.");
        // The latest record may be the fallback stream of a cutover with fallback: "the latest migration" is the one it belongs to.
        return id is null && Fallback.FallbackPair.ForwardOf(store, record) is { } forward ? forward : record;
    }

    public static async Task<MigrationRecord> StopAsync(IMigrationStore store, string? id, CancellationToken ct)
    {
        var record = Find(store, id);
        if (!record.IsActive && record.Status != MigrationStatus.Error)
            return record;
        // A live runner finishing a cutover may be dropping the slots right now: a stop request would be lost on it.
        if (IsCutoverFinishing(record.Request) && HasLiveRunner(record))
            throw new PgMoveException("migration.cutover_finishing", $"Migration {record.Id} is finishing its cutover; it can no longer be stopped.",
                "Wait for it to end (pgmove status), then pgmove unfreeze if the source must be writable again.");
        // Moving the applications, the runner reads no request until the switch has ended one way or the other.
        if (SwitchUnderWay(record) && HasLiveRunner(record))
            throw new PgMoveException("migration.switching", $"Migration {record.Id} is moving the applications (switch step {record.SwitchStep}); a stop now would not be seen.",
                "Wait for the cutover to end or be refused (pgmove status), then run pgmove stop again if it is still wanted.");
        // Claiming first: with a shared store another node may be taking the migration over at this instant.
        if (HasLiveRunner(record) || !store.TryClaim(record))
        {
            store.SetRequest(record.Id, "stop");
            var stopped = await WaitAsync(store, record.Id, ct);
            // A cutover under way when the stop came went on (past its marks, the runner no longer reads requests).
            if (stopped.Status == MigrationStatus.Done)
                throw new PgMoveException("migration.cut_over_meanwhile", $"Migration {record.Id} finished its cutover before the stop took effect: it is done, and nothing was stopped.",
                    "The target is the new primary now. pgmove finish ends a way back (cutover --fallback); pgmove unfreeze makes the source writable if it must be.");
            return stopped;
        }
        // A switch left half-way by a dead process ends first, as a start would end it: the applications on one server.
        if (SwitchUnderWay(record))
        {
            var (source, target) = store.ReadSecrets(record.Id);
            await Cutover.CutoverSwitch.RecoverAsync(store, record.Id, new MigrationOptions { Source = source, Target = target }, ct);
            record = store.Get(record.Id)!;
            if (record.SwitchStep == nameof(SwitchStep.Done))
                throw new PgMoveException("migration.switched", $"Migration {record.Id} had moved the applications to the target when its process died; the switch was completed there, so the migration was not stopped.",
                    "Run pgmove cutover: it finishes the cutover (sequences, verification, the slots dropped) without moving the applications again.");
        }
        return await MigrationRunner.StopWithoutRunnerAsync(store, record, ct);
    }

    /// <summary>
    /// Asks the live runner to cut over and waits until it has answered (done, or refused with the migration still
    /// syncing); without one, the caller runs the migration with the request set (null). A migration already cut
    /// over is returned as it is: a retry is an answer. A migration that failed is resumed and cut over.
    /// </summary>
    /// <param name="switchSettings">How the applications move (kept for the runner), or null for none; ignored while a switch is under way.</param>
    public static async Task<MigrationRecord?> RequestCutoverAsync(IMigrationStore store, string? id, bool freeze, CancellationToken ct, SwitchSettings? switchSettings = null)
    {
        var record = Find(store, id);
        if (record.Status == MigrationStatus.Done)
            return record;
        if (record.Status == MigrationStatus.Canceled || record.Status == MigrationStatus.Error && record.Databases.Count == 0)
            throw new PgMoveException("migration.not_active",
                $"Migration {record.Id} is {MigrationStore.Name(record.Status)}; its replication slots are gone, so it cannot be cut over.",
                "Start a new migration with pgmove start (the target's databases must be empty, or dropped first).");
        LeaveCutoverRequest(store, record, freeze, switchSettings);
        return HasLiveRunner(record) ? await WaitAsync(store, record.Id, ct, untilAnswered: true) : null;
    }

    private static async Task<MigrationRecord> WaitAsync(IMigrationStore store, string id, CancellationToken ct, bool untilAnswered = false)
    {
        while (true)
        {
            await Task.Delay(500, ct);
            var record = store.Get(id)!;
            if (!record.IsActive || untilAnswered && record.Request is null)
                return record;
            if (HasLiveRunner(record))
                continue;
            // The runner may have finished the request and exited between the read above and this check: only a
            // record still active after it is gone means the request was left unfinished.
            record = store.Get(id)!;
            if (!record.IsActive || untilAnswered && record.Request is null)
                return record;
            throw new PgMoveException("migration.runner_gone", $"The process running migration {id} went away before finishing the request.",
                "Run the same command again: with no runner alive it does the work itself.");
        }
    }
}
