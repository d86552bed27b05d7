using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
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

            var failed = _runs.FirstOrDefault(r => r.Phase == DatabasePhase.Failed);
            if (failed is not null)
                return new RunOutcome(RunOutcome.Kinds.Error, $"database {failed.Name}: {failed.LastError}");
            if (workers.All(w => w.IsCompleted))
                return new RunOutcome(RunOutcome.Kinds.Error, "every database stopped streaming without an error; run pgmove start to resume.");

            var status = _runs.All(r => r.CopyDone && r.Phase == DatabasePhase.Streaming) ? MigrationStatus.Syncing : MigrationStatus.Running;
            _record = _record with { Status = status };
            Save();

            if (MigrationLimits.Reached(_options, _record.CreatedAt, _runs.Select(r => (r.Slot, r.RetainedWalBytes))) is { } limit)
                return limit;

            switch (_store.Get(Id)?.Request)
            {
                case "stop":
                    return new RunOutcome(RunOutcome.Kinds.Stop, "stopped by the user");
                case "cutover" or "cutover-freeze" when status == MigrationStatus.Syncing:
                    return await PrepareCutoverAsync(freeze: _store.Get(Id)?.Request == "cutover-freeze", ct);
            }
        }
    }

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
    /// Freezes the source if asked, then writes a marker into each database's WAL and waits until every
    /// stream has confirmed its marker: from then on the target holds every committed change.
    /// </summary>
    private async Task<RunOutcome> PrepareCutoverAsync(bool freeze, CancellationToken ct)
    {
        _logger.CutoverRequested(Id, freeze);
        var frozenAt = DateTimeOffset.UtcNow;
        var marks = new Dictionary<string, NpgsqlLogSequenceNumber>(StringComparer.Ordinal);
        foreach (var run in _runs)
        {
            await using var source = await PgConnector.OpenAsync(_options.Source.WithDatabase(run.Name), "source", ct);
            marks[run.Name] = await Cutover.CutoverMark.WriteAsync(source, run.Name, freeze, ct);
        }

        while (_runs.Any(r => r.Statistics.ConfirmedLsn < marks[r.Name]))
        {
            var failed = _runs.FirstOrDefault(r => r.Phase == DatabasePhase.Failed);
            if (failed is not null)
                return new RunOutcome(RunOutcome.Kinds.Error, $"database {failed.Name}: {failed.LastError}");
            await MeasureLagAsync(Tick, ct);
            Save();
            await Task.Delay(100, ct);
        }
        return new RunOutcome(RunOutcome.Kinds.Cutover, "cutover", freeze, frozenAt);
    }
}
