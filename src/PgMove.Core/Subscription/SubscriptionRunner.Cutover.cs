using NpgsqlTypes;
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
        var result = await new CutoverPipeline(this, _options, _store, Id, Verifier).RunAsync(outcome.Freeze, outcome.Freeze ? outcome.FrozenAt : null, outcome.Switch, ct);
        if (result.Kind == CutoverOutcome.Kinds.Failed)
            return await FailAsync(result.Message, result.Fix ?? "");
        _record = result.ApplyTo(_record) with { Error = result.Kind == CutoverOutcome.Kinds.Refused ? Redact(result.Message) : null };
        if (result.Kind == CutoverOutcome.Kinds.Refused)
        {
            Save();
            _store.SetRequest(Id, null);
            return null;
        }
        foreach (var run in _runs)
            run.MarkCutOver();
        SaveFinal();
        _store.SetRequest(Id, null);
        return Snapshot;
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

    async Task<NpgsqlLogSequenceNumber?> ICutoverMethod.AppliedUpToAsync(string database, CancellationToken ct)
    {
        var run = _runs.First(r => r.Name == database);
        await using var target = await OpenTargetAsync(run.Name, ct);
        return await OriginProgressAsync(run, target, ct);
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
