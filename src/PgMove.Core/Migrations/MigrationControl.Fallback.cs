using PgMove.Core.Errors;
using PgMove.Core.Fallback;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

/// <summary>
/// fallback and finish after a cutover with fallback, the CLI's and the service's one rule: what a request finds (the
/// way back to switch or end, or the answer that it is already done), before the caller asks its switch or its stop.
/// </summary>
public static partial class MigrationControl
{
    /// <summary>
    /// The way back a fallback switches: <paramref name="id"/>'s reverse stream, still running. When the migration already
    /// fell back (its reverse stream done, the migration active again), <see cref="FallbackLookup.AlreadyDone"/> says so:
    /// a retry is an answer.
    /// </summary>
    /// <exception cref="PgMoveException">fallback.none: no way back runs (never asked, finished, ended by a limit, failed).</exception>
    public static FallbackLookup FindFallback(IMigrationStore store, string? id)
    {
        var migration = Find(store, id);
        var reverse = FallbackPair.ReverseOf(store, migration);
        if (reverse is { Status: MigrationStatus.Done } && migration.IsActive)
            return new FallbackLookup(migration, reverse,
                $"Migration {migration.Id} has already fallen back ({reverse.UpdatedAt:u}): the applications use the source, which the target follows.");
        if (reverse is null || !Resumable(reverse))
            throw new PgMoveException("fallback.none", $"Migration {migration.Id} has no way back running: "
                + (reverse is null ? "it was not cut over with fallback." : $"its fallback is {MigrationStore.Name(reverse.Status)} ({reverse.Error ?? reverse.Result})."),
                "A fallback is possible only after a cutover with fallback (pgmove cutover --fallback), until finish (or its time or WAL limit) ends it.");
        // The stream back exists from just before the cutover's pause: until that cutover is done it is not a way back yet.
        if (CutoverUnfinished(migration))
            throw new PgMoveException("fallback.none", $"Migration {migration.Id} has no way back running yet: its cutover with fallback has not finished.",
                "Wait until its status says done (pgmove status, or GET /api/migrations/{id}), or run the cutover again to finish it; then fall back.");
        return new FallbackLookup(migration, reverse, null);
    }

    /// <summary>
    /// Running, or failed with its databases known (slots kept): a run resumes it, finishing first a switch its failure
    /// left half-way (a stream back whose fallback could not roll back entirely, a server down meanwhile).
    /// </summary>
    public static bool Resumable(MigrationRecord record) => record.IsActive || record.Status == MigrationStatus.Error && record.Databases.Count > 0;

    /// <summary>A switch or a cutover of this migration that a dead process left half-way (its next run finishes it first).</summary>
    public static bool CutoverUnfinished(MigrationRecord record) =>
        SwitchUnderWay(record) || IsCutoverFinishing(record.Request);

    /// <summary>An application switch of this migration recorded and not done: under way, or left half-way by a dead process.</summary>
    public static bool SwitchUnderWay(MigrationRecord record) => record.SwitchStep is { } step && step != nameof(Switch.SwitchStep.Done);

    /// <summary>
    /// A stream back whose migration's cutover is unfinished: it is not resumed on its own; the migration's run ends that
    /// cutover first, rolling the stream back with its switch or going on with it.
    /// </summary>
    public static bool AwaitsItsMigration(IMigrationStore store, MigrationRecord reverse) =>
        FallbackPair.ForwardOf(store, reverse) is { } forward && CutoverUnfinished(forward);

    /// <summary>
    /// The way back a finish ends: <paramref name="id"/>'s reverse stream, running or failed (a failed one may still hold
    /// its slots), and its earlier reverse streams that failed (<see cref="FallbackLookup.Earlier"/>): only the latest is
    /// the migration's fallback, but each one's slots stay on the new server until a finish drops them. When nothing is
    /// left to end (fallen back, finished, ended by a limit), <see cref="FallbackLookup.AlreadyDone"/> says so.
    /// </summary>
    /// <exception cref="PgMoveException">fallback.none: the migration was not cut over with fallback.</exception>
    public static FallbackLookup FindFinish(IMigrationStore store, string? id)
    {
        var migration = Find(store, id);
        var reverse = FallbackPair.ReverseOf(store, migration)
            ?? throw new PgMoveException("fallback.none", $"Migration {migration.Id} was not cut over with fallback: there is nothing to finish.",
                "The migration's status shows where it is (pgmove status, or GET /api/migrations/{id} of the service).");
        var earlier = FallbackPair.ReversesOf(store, migration).Where(r => r.Id != reverse.Id && MayHoldSlots(r)).ToList();
        return !MayHoldSlots(reverse) && earlier.Count == 0
            ? new FallbackLookup(migration, reverse, $"The fallback of migration {migration.Id} was already {MigrationStore.Name(reverse.Status)} ({reverse.UpdatedAt:u}); nothing to finish.")
            : new FallbackLookup(migration, reverse, null) { Earlier = earlier };
    }

    /// <summary>
    /// Ends what <see cref="FindFinish"/> found, each stream stopped by <paramref name="stop"/> (the caller's stop: the
    /// live runner's, or one without a runner): the latest first, then the earlier ones, and those only once it has
    /// ended (a stop drops the applied-position bookkeeping on the old server, which a stream still running there uses).
    /// True and why when finished; false and the first failure otherwise (a retry reaches what is left).
    /// </summary>
    public static async Task<(bool Finished, string Message)> FinishAsync(FallbackLookup lookup, Func<string, Task<MigrationRecord>> stop)
    {
        var migrationId = lookup.Migration.Id;
        var streams = (MayHoldSlots(lookup.Reverse) ? [lookup.Reverse] : Array.Empty<MigrationRecord>()).Concat(lookup.Earlier);
        string? result = null;
        foreach (var stream in streams)
        {
            var stopped = await stop(stream.Id);
            if (stopped.Status != MigrationStatus.Canceled)
                return (false, $"The fallback of migration {migrationId} could not be finished: {stopped.Error} {stopped.Fix}");
            result ??= stopped.Result;
        }
        var earlier = lookup.Earlier.Count == 0 ? ""
            : $" The slots and publication of {(lookup.Earlier.Count == 1 ? "an earlier fallback" : "earlier fallbacks")} left in error ({string.Join(", ", lookup.Earlier.Select(r => r.Id))}) are dropped too.";
        return (true, $"The fallback of migration {migrationId} is finished: its slots and publication on the new server are dropped. {result}{earlier}");
    }

    /// <summary>A reverse stream that may still have slots and a publication on the new server: running, or failed (an undo or a stop that could not drop them).</summary>
    private static bool MayHoldSlots(MigrationRecord reverse) => reverse.IsActive || reverse.Status == MigrationStatus.Error;
}
