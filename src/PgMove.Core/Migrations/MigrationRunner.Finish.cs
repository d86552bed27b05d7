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
                        // A stream back's slots are on the new server, the one in production: it is not ended while one
                        // may remain there, retaining WAL (a canceled record would leave no command that drops them).
                        if (_record.Method == MigrationMethod.Fallback)
                            return Unfinished(outcome, error);
                        note = $" WARNING: {error.Message} {error.Fix}";
                    }
                    note += await CleanupTargetOrNoteAsync(ct);
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

    /// <summary>
    /// A stream back stopped (by finish, stop or a limit) whose slots may remain on the new server: in error, so that
    /// pgmove finish (or stop) reaches it again and drops them once the new server answers.
    /// </summary>
    private MigrationRecord Unfinished(RunOutcome outcome, PgMoveException cleanup)
    {
        foreach (var run in _runs)
            run.Phase = DatabasePhase.Stopped;
        _record = _record with
        {
            Status = MigrationStatus.Error,
            Error = $"{outcome.Reason}, but not finished: {cleanup.Message}",
            Fix = "The stream back has stopped, but its slots retain WAL on the new server until they are dropped: once the new server answers, "
                + "run pgmove finish again (or pgmove stop); it drops them. Or drop them in each database: SELECT pg_catalog.pg_drop_replication_slot('SLOT'); DROP PUBLICATION IF EXISTS NAME;",
            RunnerPid = null,
        };
        _store.Update(Snapshot with { RunnerPid = null });
        _store.SetRequest(Id, null);
        _logger.MigrationFailed(Id, _record.Error, _record.Fix);
        return Snapshot;
    }

    /// <summary>The servers as a user names them: a stream back reads the new server and writes to the old one.</summary>
    private string SourceName => _record.Method == MigrationMethod.Fallback ? "the new server" : "the source";

    private string TargetName => _record.Method == MigrationMethod.Fallback ? "the old server" : "the target";

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
            catch (PgMoveException error) when (error.Code == "connection.database_missing")
            {
                // Dropped since: its slots went with it (a database holding a logical slot cannot be dropped).
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
                $"{Capitalized(SourceName)} {(unreachable ? "could not be reached to clean up" : "could not be cleaned up")}: {string.Join("; ", failures)} may remain.",
                "When the cause is fixed, run pgmove stop again, or drop them in each database: SELECT pg_catalog.pg_drop_replication_slot('SLOT'); DROP PUBLICATION IF EXISTS NAME;");
    }

    private async Task CleanupTargetAsync(CancellationToken ct)
    {
        foreach (var run in _runs)
            await CleanupTargetAsync(run, ct);
    }

    private async Task CleanupTargetAsync(DatabaseRun run, CancellationToken ct)
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

    /// <summary>
    /// A stop's cleanup of the target: what stays there when it cannot be reached (a server gone, say) holds no WAL, so
    /// the stop goes on and names it. Empty when clean; otherwise a warning for the result.
    /// </summary>
    private async Task<string> CleanupTargetOrNoteAsync(CancellationToken ct)
    {
        var unreached = new List<string>();
        foreach (var run in _runs)
        {
            try
            {
                await CleanupTargetAsync(run, ct);
            }
            catch (Exception error) when (error is PgMoveException { Code: var code } && code.StartsWith("connection.", StringComparison.Ordinal)
                                          || error is NpgsqlException and not PostgresException)
            {
                _logger.CleanupFailed(run.Name, run.Slot, run.Publication, error.Message);
                unreached.Add($"{run.Name} ({error.Message})");
            }
        }
        if (unreached.Count == 0)
            return "";
        var left = _record.Method == MigrationMethod.Fallback
            ? "they stay read-only (the cutover's freeze: pgmove unfreeze lifts it once the server answers, if it is to be used again) and keep PgMove's bookkeeping (schema _pgmove)"
            : "they keep PgMove's bookkeeping (schema _pgmove)";
        return $" WARNING: {TargetName} could not be reached to clean up databases {string.Join(", ", unreached)}: {left}, which holds no WAL. "
            + "Once it answers, DROP TABLE IF EXISTS \"_pgmove\".\"applied\", \"_pgmove\".\"ddl_held\" in each of them removes it (what PgMove drops itself).";
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

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
