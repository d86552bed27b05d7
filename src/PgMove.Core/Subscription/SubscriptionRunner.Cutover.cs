using PgMove.Core.Cutover;
using PgMove.Core.Migrations;

namespace PgMove.Core.Subscription;

/// <summary>
/// The subscription method's part in the one cutover pipeline: its subscriptions are disabled while the pipeline
/// reads the slots (enabled again if the cutover is refused); it releases subscriptions, slots and publications.
/// </summary>
internal sealed partial class SubscriptionRunner : ICutoverMethod
{
    /// <summary>Runs the cutover pipeline; null when it was refused (the subscriptions run again, the migration syncs).</summary>
    private async Task<MigrationRecord?> CutoverAsync(RunOutcome outcome, CancellationToken ct)
    {
        var result = await new CutoverPipeline(this, _options, _store, Id, Verifier).RunAsync(outcome.Freeze, outcome.Freeze ? outcome.FrozenAt : null, ct);
        switch (result.Kind)
        {
            case CutoverOutcome.Kinds.Done:
                foreach (var run in _runs)
                {
                    run.Phase = DatabasePhase.Done;
                    run.RetainedWalBytes = null; // the slots are gone
                    run.LagBytes = null;
                    run.LagSeconds = null;
                }
                _record = _record with { Status = MigrationStatus.Done, Error = null, Fix = null, Result = result.Message };
                SaveFinal();
                _store.SetRequest(Id, null);
                return Snapshot;
            case CutoverOutcome.Kinds.Refused:
                _record = _record with { Status = MigrationStatus.Syncing, Error = Redact(result.Message), Fix = result.Fix };
                Save();
                _store.SetRequest(Id, null);
                return null;
            default:
                return await FailAsync(result.Message, result.Fix ?? "");
        }
    }

    IReadOnlyList<CutoverDatabase> ICutoverMethod.Databases => _runs.Select(r => new CutoverDatabase(r.Name, r.Slot, r.Publication)).ToList();

    async Task ICutoverMethod.HoldAsync(CancellationToken ct)
    {
        foreach (var run in _runs)
        {
            await using var target = await OpenTargetAsync(run.Name, ct);
            if (await _subscriptions.ExistsAsync(target, run.Subscription, ct))
                await _subscriptions.DisableAsync(target, run.Subscription, ct);
        }
    }

    async Task ICutoverMethod.ReleaseHoldAsync(CancellationToken ct)
    {
        foreach (var run in _runs)
        {
            await using var target = await OpenTargetAsync(run.Name, ct);
            if (await _subscriptions.ExistsAsync(target, run.Subscription, ct))
                await _subscriptions.EnableAsync(target, run.Subscription, ct);
        }
    }

    Task<string> ICutoverMethod.DropReplicationAsync(CancellationToken ct) => CleanupAsync(ct);

    void ICutoverMethod.Save() => Save();
}
