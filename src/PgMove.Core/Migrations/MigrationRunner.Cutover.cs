using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

/// <summary>The relay's part in the one cutover pipeline: its streams are stopped before; it releases slots, publications and its bookkeeping.</summary>
public sealed partial class MigrationRunner : ICutoverMethod
{
    /// <summary>Runs the cutover pipeline; null when it was refused (the slots stay and streaming goes on).</summary>
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
                _record = _record with { Status = MigrationStatus.Done, Error = null, Fix = null, Result = result.Message, RunnerPid = null };
                _store.Update(Snapshot with { RunnerPid = null });
                _store.SetRequest(Id, null);
                _logger.MigrationEnded(Id, "done", _record.Result);
                return Snapshot;
            case CutoverOutcome.Kinds.Refused:
                _record = _record with { Status = MigrationStatus.Syncing, Error = result.Message, Fix = result.Fix };
                Save();
                _store.SetRequest(Id, null);
                return null;
            default:
                return await FailAsync(result.Message, result.Fix ?? "");
        }
    }

    IReadOnlyList<CutoverDatabase> ICutoverMethod.Databases => _runs.Select(r => new CutoverDatabase(r.Name, r.Slot, r.Publication)).ToList();

    // The streams were stopped before the pipeline runs; the runner streams again after a refusal.
    Task ICutoverMethod.HoldAsync(CancellationToken ct) => Task.CompletedTask;

    Task ICutoverMethod.ReleaseHoldAsync(CancellationToken ct) => Task.CompletedTask;

    async Task<string> ICutoverMethod.DropReplicationAsync(CancellationToken ct)
    {
        var note = "";
        try
        {
            await CleanupSourceAsync(ct);
        }
        catch (PgMoveException error) when (error.Code is "cleanup.source_unreachable" or "cleanup.failed")
        {
            note = $" WARNING: {error.Message} {error.Fix}";
        }
        await CleanupTargetAsync(ct);
        return note;
    }

    void ICutoverMethod.Save() => Save();
}
