using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Logging;

namespace PgMove.Core.Migrations;

public sealed partial class MigrationRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Every second: record progress and lag, look for a stop or cutover request, enforce the duration and
    /// WAL limits. A cutover is prepared here, while streaming still runs: freeze, mark, wait for the marks.
    /// </summary>
    private async Task<RunOutcome> SuperviseAsync(List<Task> workers, CancellationToken ct)
    {
        var lastTick = DateTimeOffset.UtcNow;
        while (true)
        {
            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(Tick, ct));
            ct.ThrowIfCancellationRequested();
            var now = DateTimeOffset.UtcNow;
            await MeasureLagAsync(now - lastTick, ct);
            lastTick = now;

            // A failed database stops alone: the others go on streaming, and the record names it.
            var failed = _runs.Where(r => r.Phase == DatabasePhase.Failed).ToList();
            if (failed.Count == _runs.Count && failed.Count > 0)
                return new RunOutcome(RunOutcome.Kinds.Error, Describe(failed));
            if (workers.All(w => w.IsCompleted) && failed.Count == 0)
                return new RunOutcome(RunOutcome.Kinds.Error, "every database stopped streaming without an error; run pgmove start to resume.");

            var status = _runs.All(r => r.CopyDone && r.Phase == DatabasePhase.Streaming) ? MigrationStatus.Syncing : MigrationStatus.Running;
            if (failed.Count > 0)
                _record = _record with { Error = Describe(failed), Fix = "Fix the cause named for each stopped database (the others keep streaming), then stop this pgmove start (Ctrl-C) and run it again to resume them." };
            else if (_showsDatabaseFailure)
                _record = _record with { Error = null, Fix = null };
            _showsDatabaseFailure = failed.Count > 0;
            _record = _record with { Status = status };
            Save();

            if (MigrationLimits.Reached(_options.Clock, _record, _runs.Select(r => (r.Slot, r.RetainedWalBytes))) is { } limit)
                return limit;

            switch (_store.Get(Id)?.Request)
            {
                case "stop":
                    return new RunOutcome(RunOutcome.Kinds.Stop, "stopped by the user");
                case "cutover" or "cutover-freeze" when failed.Count > 0:
                    RefuseCutover(failed, fix: null);
                    if (_options.EndAfterCutover)
                        return Refused();
                    break;
                case "cutover" or "cutover-freeze" when status == MigrationStatus.Syncing:
                    _record = _record with { Error = null, Fix = null };
                    if (await PrepareCutoverAsync(freeze: _store.Get(Id)?.Request == "cutover-freeze", ct) is { } cutover)
                        return cutover;
                    // A run started only for this cutover (pgmove cutover or fallback with no runner alive) ends with its
                    // answer: streaming on would keep that command waiting for ever.
                    if (_options.EndAfterCutover)
                        return Refused();
                    break;
            }
        }
    }

    private RunOutcome Refused() => new(RunOutcome.Kinds.Refused, _record.Error ?? "cutover refused");

    /// <summary>Whether the record's error is the one Supervise wrote for stopped databases (cleared once they run again).</summary>
    private bool _showsDatabaseFailure;

    /// <summary>A cutover asked while databases are stopped: answered (request cleared) with them named; null keeps the record's fix.</summary>
    private void RefuseCutover(IEnumerable<DatabaseRun> failed, string? fix)
    {
        _record = _record with { Error = $"cutover refused: {Describe(failed)}", Fix = fix ?? _record.Fix };
        Save();
        _store.SetRequest(Id, null);
    }

    private static string Describe(IEnumerable<DatabaseRun> failed) =>
        string.Join("; ", failed.Select(r => r.LastError is { } error && error.StartsWith($"database {r.Name}", StringComparison.Ordinal)
            ? error
            : $"database {r.Name} stopped: {r.LastError}"));

    /// <summary>Lag per database: the source's WAL position against what the slot has confirmed.</summary>
    private async Task MeasureLagAsync(TimeSpan elapsed, CancellationToken ct)
    {
        try
        {
            await using var source = await PgConnector.OpenAsync(_options.Source, "source", ct);
            await using var command = new NpgsqlCommand(
                "SELECT pg_catalog.pg_current_wal_lsn(), s.slot_name, r.sent_lsn, pg_catalog.pg_current_wal_lsn() - s.restart_lsn " +
                "FROM pg_catalog.pg_replication_slots s LEFT JOIN pg_catalog.pg_stat_replication r ON r.pid = s.active_pid " +
                "WHERE s.slot_name = ANY (@slots)", source);
            command.Parameters.AddWithValue("slots", _runs.Select(r => r.Slot).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var run = _runs.First(r => r.Slot == reader.GetString(1));
                var current = reader.GetFieldValue<NpgsqlLogSequenceNumber>(0);
                run.SourceLsn = current.ToString();
                run.RetainedWalBytes = reader.IsDBNull(3) ? null : (long)reader.GetDecimal(3);
                if (run.Phase != DatabasePhase.Streaming)
                    continue;
                // Caught up, the stream has applied everything the walsender sent; WAL it skipped is not ours.
                var position = run.Statistics.ConfirmedLsn;
                if (run.Statistics.CaughtUp && !reader.IsDBNull(2) && reader.GetFieldValue<NpgsqlLogSequenceNumber>(2) > position)
                    position = reader.GetFieldValue<NpgsqlLogSequenceNumber>(2);
                run.LagBytes = current > position ? (long)(ulong)current - (long)(ulong)position : 0;
                var now = DateTimeOffset.UtcNow;
                run.Timeline.Record(now, current);
                run.LagSeconds = run.LagBytes == 0 ? 0 : run.Timeline.SecondsBehind(position, now);
                var changes = run.Statistics.Changes;
                run.ChangesPerSecond = elapsed.TotalSeconds > 0 ? (changes - run.LastChanges) / elapsed.TotalSeconds : null;
                run.LastChanges = changes;
            }
        }
        catch (Exception error) when (error is Errors.PgMoveException or NpgsqlException)
        {
            // The source is unreachable for now; the workers say so in their own status.
        }
    }

    /// <summary>
    /// Pauses the applications if a switch was asked (the freeze comes with it), freezes the source if asked, then writes
    /// a marker into each database's WAL and waits until every stream has confirmed its marker: from then on the target
    /// holds every committed change. Null when the cutover was refused (the switch rolled back, the freeze undone).
    /// </summary>
    private async Task<RunOutcome?> PrepareCutoverAsync(bool freeze, CancellationToken ct)
    {
        var names = _runs.Select(r => r.Name).ToList();
        var cutoverSwitch = await CutoverSwitch.PrepareAsync(_store, Id, _options, names, ct);
        freeze |= cutoverSwitch is not null;
        _logger.CutoverRequested(Id, freeze);
        try
        {
            if (cutoverSwitch is not null)
                await cutoverSwitch.PauseAsync(ct);
        }
        catch (Errors.PgMoveException error)
        {
            // The pause did not happen (a timeout names the sessions that held it): nothing changed.
            return RefuseSwitch(error, "");
        }
        var frozenAt = DateTimeOffset.UtcNow;
        try
        {
            var marks = new Dictionary<string, NpgsqlLogSequenceNumber>(StringComparer.Ordinal);
            foreach (var run in _runs)
            {
                await using var source = await PgConnector.OpenAsync(_options.Source.WithDatabase(run.Name), "source", ct, tune: WritableSession.Tune);
                marks[run.Name] = await CutoverMark.WriteAsync(source, run.Name, freeze, ct);
            }

            var measured = 0L;
            while (_runs.Any(r => r.Statistics.ConfirmedLsn < marks[r.Name]))
            {
                var failed = _runs.Where(r => r.Phase == DatabasePhase.Failed).ToList();
                if (failed.Count > 0)
                {
                    // Nothing was released yet: undo the switch or the freeze and go on syncing the others.
                    var back = cutoverSwitch is not null
                        ? await cutoverSwitch.RollBackAsync(new InvalidOperationException(Describe(failed)))
                        : freeze && (await SourceFreeze.UnfreezeAsync(_options.Source, names, ct)).Count > 0 ? "The source is writable again." : "";
                    RefuseCutover(failed, $"Fix the cause named above, resume with pgmove start, then run the cutover again. {back}".TrimEnd());
                    return null;
                }
                // While the applications wait, look often; the lag (a query on the source) every half second is enough.
                if (cutoverSwitch is null || Environment.TickCount64 - measured > 500)
                {
                    await MeasureLagAsync(Tick, ct);
                    Save();
                    measured = Environment.TickCount64;
                }
                cutoverSwitch?.CheckCatchUp(() => string.Join(", ", _runs.Where(r => r.Statistics.ConfirmedLsn < marks[r.Name]).Select(r => $"{r.Name} {r.LagBytes ?? 0} bytes behind")));
                await Task.Delay(cutoverSwitch is null ? 100 : 10, ct);
            }
        }
        catch (Exception error) when (cutoverSwitch is not null)
        {
            // Never leave the applications held: whatever stopped the wait (a source gone, a catch-up too slow, Ctrl-C) goes back first.
            var back = await cutoverSwitch.RollBackAsync(error);
            if (error is not Errors.PgMoveException refused)
                throw;
            return RefuseSwitch(refused, back);
        }
        return new RunOutcome(RunOutcome.Kinds.Cutover, "cutover", freeze, frozenAt) { Switch = cutoverSwitch };
    }

    /// <summary>A cutover whose switch could not pause, or was rolled back: answered (request cleared) with the cause; the migration goes on syncing.</summary>
    private RunOutcome? RefuseSwitch(Errors.PgMoveException refused, string back)
    {
        _record = _record with { Error = $"cutover refused: {refused.Message} {back}".TrimEnd(), Fix = refused.Fix };
        _logger.CutoverRefused(Id, refused.Message);
        Save();
        _store.SetRequest(Id, null);
        return null;
    }
}
