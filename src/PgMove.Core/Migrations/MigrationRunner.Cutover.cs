using NpgsqlTypes;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Replication;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

/// <summary>The relay's part in the one cutover pipeline: its streams are stopped before; it releases slots, publications and its bookkeeping.</summary>
public sealed partial class MigrationRunner : ICutoverMethod
{
    /// <summary>Runs the cutover pipeline; null when it was refused (the slots stay and streaming goes on).</summary>
    private async Task<MigrationRecord?> CutoverAsync(RunOutcome outcome, CancellationToken ct)
    {
        var result = await new CutoverPipeline(this, _options, _store, Id, Verifier).RunAsync(outcome.Freeze, outcome.Freeze ? outcome.FrozenAt : null, outcome.Switch, ct);
        if (result.Kind == CutoverOutcome.Kinds.Failed)
            return await FailAsync(result.Message, result.Fix ?? "");
        _record = result.ApplyTo(_record);
        if (result.Kind == CutoverOutcome.Kinds.Refused)
        {
            Save();
            _store.SetRequest(Id, null);
            return null;
        }
        foreach (var run in _runs)
            run.MarkCutOver();
        _record = _record with { RunnerPid = null };
        _store.Update(Snapshot with { RunnerPid = null });
        _store.SetRequest(Id, null);
        _logger.MigrationEnded(Id, "done", _record.Result);
        return Snapshot;
    }

    IReadOnlyList<CutoverDatabase> ICutoverMethod.Databases => _runs.Select(r => new CutoverDatabase(r.Name, r.Slot, r.Publication)).ToList();

    // The streams were stopped before the pipeline runs; the runner streams again after a refusal.
    Task ICutoverMethod.HoldAsync(CancellationToken ct) => Task.CompletedTask;

    Task ICutoverMethod.ReleaseHoldAsync(CancellationToken ct) => Task.CompletedTask;

    async Task<NpgsqlLogSequenceNumber?> ICutoverMethod.AppliedUpToAsync(string database, CancellationToken ct)
    {
        var run = _runs.First(r => r.Name == database);
        await using var target = await PgConnector.OpenAsync(_options.Target.WithDatabase(database), "target", ct);
        return await AppliedPosition.ReadAsync(target, run.Slot, ct);
    }

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
