using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Replication;
using PgMove.Core.Replication.Ddl;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

public sealed partial class MigrationRunner
{
    private bool _targetIsSuperuser;
    private int _targetMajor;

    /// <summary>
    /// Compares source and target after a cutover; returns whether they match and a summary.
    /// The default is <see cref="CutoverVerification.VerifyAsync"/>; null skips verification.
    /// </summary>
    public CutoverVerifier? Verifier { get; set; } = CutoverVerification.VerifyAsync;

    private async Task ReadTargetAsync(CancellationToken ct)
    {
        await using var target = await PgConnector.OpenAsync(_options.Target, "target", ct);
        var facts = await CatalogReader.ReadServerAsync(target, ct);
        _targetIsSuperuser = facts.IsSuperuser;
        _targetMajor = facts.Major;
    }

    /// <summary>Stops a migration that no process is running: drops what it made on both sides.</summary>
    public static async Task<MigrationRecord> StopWithoutRunnerAsync(IMigrationStore store, MigrationRecord record, CancellationToken ct)
    {
        var (source, target) = store.ReadSecrets(record.Id);
        if (record.Method == MigrationMethod.Subscription)
            return await new Subscription.SubscriptionRunner(store, new MigrationOptions { Source = source, Target = target }, record).StopAsync(ct);
        var runner = new MigrationRunner(store, new MigrationOptions { Source = source, Target = target }, record);
        foreach (var database in record.Databases)
        {
            var run = new DatabaseRun(database.Name, 0, database.Slot!, database.Publication!, database.CopyDone) { Phase = database.Phase };
            run.Statistics.AddDdl(database.DdlApplied);
            runner._runs.Add(run);
        }
        return await runner.FinishAsync(new RunOutcome(RunOutcome.Kinds.Stop, "stopped by the user"), ct);
    }

    private async Task<MigrationRecord> FinishAsync(RunOutcome outcome, CancellationToken ct)
    {
        switch (outcome.Kind)
        {
            case RunOutcome.Kinds.Stop:
                _logger.Stopping(Id, outcome.Reason);
                var note = "";
                await using (new RunnerHeartbeat(Save))
                {
                    try
                    {
                        await CleanupSourceAsync(ct);
                    }
                    catch (PgMoveException error) when (error.Code is "cleanup.source_unreachable" or "cleanup.failed")
                    {
                        note = $" WARNING: {error.Message} {error.Fix}";
                    }
                    await CleanupTargetAsync(ct);
                }
                foreach (var run in _runs)
                    run.Phase = DatabasePhase.Stopped;
                _record = _record with { Status = MigrationStatus.Canceled, Error = null, Fix = null, Result = $"{outcome.Reason}; all data copied so far is kept on the target.{note}", RunnerPid = null };
                _store.Update(Snapshot with { RunnerPid = null });
                _store.SetRequest(Id, null);
                _logger.MigrationEnded(Id, "canceled", _record.Result);
                return Snapshot;
            default:
                return await FailAsync(outcome.Reason, "Fix the cause named above, then run pgmove start again to resume; or pgmove stop to end the migration and drop its replication slots.");
        }
    }

    /// <summary>Drops the slots and publications on the source: a forgotten slot fills the source's disk with WAL.</summary>
    private async Task CleanupSourceAsync(CancellationToken ct)
    {
        var failures = new List<string>();
        var unreachable = true;
        foreach (var run in _runs)
        {
            try
            {
                await using var source = await PgConnector.OpenAsync(_options.Source.WithDatabase(run.Name), "source", ct, tune: WritableSession.Tune);
                // The DDL capture first: no event is sent for what follows (PgMove's own DROP PUBLICATION).
                await DdlCapture.RemoveAsync(source, Id, ct);
                await DropSlotAsync(source, run.Slot, ct);
                await ExecuteAsync(source, $"DROP PUBLICATION IF EXISTS {Identifiers.Quote(run.Publication)}", ct);
                _logger.SlotAndPublicationDropped(run.Name, run.Slot, run.Publication);
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException)
            {
                _logger.CleanupFailed(run.Name, run.Slot, run.Publication, error.Message);
                unreachable &= error is PgMoveException pg ? pg.Code.StartsWith("connection.", StringComparison.Ordinal) : error is not PostgresException;
                failures.Add($"slot {run.Slot} and publication {run.Publication} in database {run.Name} ({(error is PostgresException server ? server.MessageText : error.Message)})");
            }
        }
        if (failures.Count > 0)
            throw new PgMoveException(unreachable ? "cleanup.source_unreachable" : "cleanup.failed",
                $"The source {(unreachable ? "could not be reached to clean up" : "could not be cleaned up")}: {string.Join("; ", failures)} may remain.",
                "When the cause is fixed, run pgmove stop again, or drop them in each database: SELECT pg_catalog.pg_drop_replication_slot('SLOT'); DROP PUBLICATION IF EXISTS NAME;");
    }

    private async Task CleanupTargetAsync(CancellationToken ct)
    {
        foreach (var run in _runs)
        {
            try
            {
                await using var target = await PgConnector.OpenAsync(_options.Target.WithDatabase(run.Name), "target", ct, tune: WritableSession.Tune);
                await AppliedPosition.DropAsync(target, ct);
            }
            catch (PgMoveException error) when (error.Code == "connection.database_missing")
            {
                // Never created: nothing to clean.
            }
        }
    }

    /// <summary>Copies the roles once, before the first database is copied.</summary>
    private async Task CopyRolesAsync(CancellationToken ct)
    {
        if (_runs.All(r => r.CopyDone))
            return;
        await using var source = await PgConnector.OpenAsync(_options.Source, "source", ct);
        var facts = await CatalogReader.ReadServerAsync(source, ct);
        var roles = await Schema.RoleCopier.CopyAsync(_tools!, _options.Source, facts.IsSuperuser, _options.Target, ct);
        foreach (var failure in roles.Failures)
            _copyProgress.Publish(new Copy.CopyEvent("warning", null, $"roles: {failure}"));
    }
}
