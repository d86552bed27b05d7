using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Core.Cutover;

/// <summary>
/// A cutover interrupted after its marks were confirmed (the store still holds its "finishing" request) is finished
/// before anything streams, copies or provisions again: once the cutover dropped slots or subscriptions, doing any of
/// that would start over on a target that already holds the migrated data. Both methods' runners begin with it.
/// </summary>
internal static class InterruptedCutover
{
    /// <summary>
    /// Null when no cutover was left finishing, or when the resumed one was refused and the run goes on; otherwise
    /// the record to return (done, or detached for a run that exists only for the cutover).
    /// </summary>
    public static async Task<MigrationRecord?> FinishAsync(IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases,
        Func<RunOutcome, CancellationToken, Task<MigrationRecord?>> cutover, Func<MigrationRecord> detach, CancellationToken ct)
    {
        if (store.Get(migrationId)?.Request is not { } request || !MigrationControl.IsCutoverFinishing(request))
            return null;
        var outcome = new RunOutcome(RunOutcome.Kinds.Cutover, "cutover (resumed after an interruption)", request == MigrationControl.CutoverFinishingFrozen)
        {
            // The switch it asked for, already moved: a switch a dead process left before its end is recovered first
            // (CutoverSwitch.RecoverAsync: completed, its target thawed before Resuming was recorded, or rolled back with
            // the request left as a new cutover, which prepares its switch again). So nothing moves or thaws here.
            Switch = CutoverSwitch.For(store, migrationId, options, databases),
        };
        if (await cutover(outcome, ct) is { } resumed)
            return resumed;
        return options.EndAfterCutover ? detach() : null;
    }
}
