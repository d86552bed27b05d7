using Npgsql;
using PgMove.Core.Cutover;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;

namespace PgMove.Core.Subscription;

internal sealed partial class SubscriptionRunner
{
    /// <summary>A worker that failed this many more times while the slot's confirmed position stood still is failing for good.</summary>
    private const int ErrorsBeforeFailing = 2;

    /// <summary>When the source's postmaster started, as last read: a change means it restarted in between.</summary>
    private DateTime? _sourceStartedAt;

    private const string SourceUnreachable = "the source is unreachable; the subscription reconnects by itself when it is back";

    /// <summary>
    /// Every second: read both servers, record status and lag, look for apply errors, a stop or cutover request,
    /// and the duration and WAL limits.
    /// </summary>
    private async Task<RunOutcome> SuperviseAsync(CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(Tick, ct);
            await MeasureAsync(ct);
            await FollowNewTablesAsync(ct);

            var failed = _runs.FirstOrDefault(r => r.Phase == DatabasePhase.Failed);
            if (failed is not null)
                return new RunOutcome(RunOutcome.Kinds.Error, $"database {failed.Name}: {failed.LastError}");

            // A table added to a subscription while streaming is copied first: not level (no cutover) until it is ready.
            var status = _runs.All(r => r.CopyDone && r.Phase == DatabasePhase.Streaming && r.TablesReady == r.TablesTotal) ? MigrationStatus.Syncing : MigrationStatus.Running;
            _record = _record with { Status = status };
            Save();

            if (MigrationLimits.Reached(_options.Clock, _record, _runs.Select(r => (r.Slot, r.RetainedWalBytes))) is { } limit)
                return limit;

            var request = _store.Get(Id)?.Request;
            switch (request)
            {
                case "stop":
                    return new RunOutcome(RunOutcome.Kinds.Stop, "stopped by the user");
                case "cutover" or "cutover-freeze" when status == MigrationStatus.Syncing:
                    if (await PrepareCutoverAsync(freeze: request == "cutover-freeze", ct) is { } cutover)
                        return cutover;
                    // A run only for this cutover ends with its refusal rather than keep pgmove cutover waiting.
                    if (_options.EndAfterCutover)
                        return new RunOutcome(RunOutcome.Kinds.Refused, _record.Error ?? "cutover refused");
                    break;
            }
        }
    }

    /// <summary>Source: the slots' confirmed positions against the current WAL. Target: tables ready, apply errors.</summary>
    private async Task MeasureAsync(CancellationToken ct)
    {
        // Each lost connection counts as an apply error on the target: a source that was down or restarted since the
        // last tick (possibly more than once between two ticks) starts a new count, so only later errors can fail it.
        var sourceDisturbed = true;
        try
        {
            await using var source = await PgConnector.OpenAsync(_options.Source, "source", ct);
            await using (var started = new NpgsqlCommand("SELECT pg_catalog.pg_postmaster_start_time()", source))
            {
                var startedAt = (DateTime)(await started.ExecuteScalarAsync(ct))!;
                sourceDisturbed = _sourceStartedAt is { } known && known != startedAt;
                _sourceStartedAt = startedAt;
            }
            await using var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/slot_positions.sql"), source);
            command.Parameters.AddWithValue("slots", _runs.Select(r => r.Slot).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            var now = DateTimeOffset.UtcNow;
            while (await reader.ReadAsync(ct))
            {
                var run = _runs.First(r => r.Slot == reader.GetString(0));
                if (run.Phase != DatabasePhase.Failed && run.LastError == SourceUnreachable)
                    run.LastError = null;
                var current = NpgsqlLogSequenceNumber.Parse(reader.GetString(1));
                run.SourceLsn = current.ToString();
                run.RetainedWalBytes = reader.IsDBNull(3) ? null : reader.GetInt64(3);
                if (reader.IsDBNull(2))
                    continue;
                var confirmed = NpgsqlLogSequenceNumber.Parse(reader.GetString(2));
                run.ConfirmedLsn = confirmed.ToString();
                run.HasPending = current > confirmed;
                if (!run.CopyDone)
                    continue;
                run.LagBytes = current > confirmed ? (long)((ulong)current - (ulong)confirmed) : 0;
                run.Samples.Enqueue((now, (ulong)current));
                while (run.Samples.Count > 0 && run.Samples.Peek().Lsn <= (ulong)confirmed)
                    run.Samples.Dequeue();
                run.LagSeconds = run.Samples.Count == 0 || run.LagBytes == 0 ? 0 : (now - run.Samples.Peek().At).TotalSeconds;
            }
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            foreach (var run in _runs)
            {
                run.LagBytes = null; // unknown while the source is unreachable: never show a stale 0
                run.LagSeconds = null;
            }
        }
        if (sourceDisturbed)
            foreach (var run in _runs)
                run.ErrorsAtStart = null;

        foreach (var run in _runs.Where(r => r.Subscribed && r.Phase != DatabasePhase.Failed))
        {
            try
            {
                await using var target = await OpenTargetAsync(run.Name, ct);
                await ReadSubscriptionStateAsync(target, run, ct);
                if (run.SubscriptionOid is { } oid && _targetFacts!.Major >= 15)
                {
                    await using var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/apply_errors.sql"), target);
                    command.Parameters.AddWithValue("oid", oid);
                    run.Errors = await command.ExecuteScalarAsync(ct) as long? ?? 0;
                    if (run.ErrorsAtStart is null || run.ConfirmedLsn != run.BaselineLsn)
                    {
                        run.ErrorsAtStart = run.Errors;
                        run.BaselineLsn = run.ConfirmedLsn;
                    }
                    else if (run.Errors - run.ErrorsAtStart >= ErrorsBeforeFailing && run.HasPending)
                    {
                        if (await SourceReachableAsync(run.Name, ct))
                            await DiagnoseAsync(run, target, ct);
                        else
                        {
                            // Lost connections to a source that is down are expected; the subscription retries by itself.
                            run.ErrorsAtStart = run.Errors;
                            run.LastError = SourceUnreachable;
                        }
                    }
                }
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException)
            {
                // Unreachable for now; the next tick tries again.
            }
        }
    }

    private async Task<bool> SourceReachableAsync(string database, CancellationToken ct)
    {
        try
        {
            await using var source = await OpenSourceAsync(database, ct);
            return true;
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            return false;
        }
    }

    private static async Task ReadSubscriptionStateAsync(NpgsqlConnection target, SubscriptionDatabase run, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/subscription_state.sql"), target);
        command.Parameters.AddWithValue("name", run.Subscription);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new PgMoveException("subscription.missing", $"database {run.Name}: subscription {run.Subscription} is no longer on the target.",
                "Someone dropped it: run pgmove stop, then start a new migration.");
        run.SubscriptionOid = reader.GetInt64(0);
        run.TablesTotal = reader.GetInt32(2);
        run.TablesReady = reader.GetInt32(3);
        run.ReportedLsn = reader.IsDBNull(4) ? null : reader.GetString(4);
    }

    /// <summary>
    /// The apply worker keeps failing: PgMove disables the subscription (so that the slot can be read), names the
    /// tables of the first change it could not apply, and looks in both catalogs for the cause (a table or column
    /// created on the source only, an unusable replica identity); otherwise it is the data: rows written to the target.
    /// The error text itself is only in the target's server log.
    /// </summary>
    private async Task DiagnoseAsync(SubscriptionDatabase run, NpgsqlConnection target, CancellationToken ct)
    {
        if (await TryApplyDdlAsync(run, waitForLater: false, ct))
            return;
        await _subscriptions.DisableAsync(target, run.Subscription, ct);
        IReadOnlyList<(string Schema, string Name)> tables = [];
        NpgsqlLogSequenceNumber? bound = null;
        (string Cause, string Fix)? cause = null;
        var captured = "";
        try
        {
            await using var source = await OpenSourceAsync(run.Name, ct);
            try
            {
                (tables, bound) = await PeekFirstPendingAsync(run, source, target, ct);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                // The slot is still held: report without the table, naming every captured DDL not yet made.
            }
            cause = await ApplyFailureCause.FindAsync(source, target, tables, ct);
            captured = await DescribePendingDdlAsync(source, target, bound, ct);
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            // The source is unreachable: report without the table.
        }
        var names = tables.Select(t => $"{t.Schema}.{t.Name}").ToList();
        var where = names.Count == 0 ? "" : $" while applying a change to {(names.Count == 1 ? "table" : "tables")} {string.Join(", ", names)}";
        run.Phase = DatabasePhase.Failed;
        var failed = $"the subscription's apply worker failed {run.Errors - run.ErrorsAtStart} times on the target{where}; PgMove disabled subscription {run.Subscription}.";
        const string applyDdl = "pgmove start --apply-ddl runs the captured DDL on the target, in the source's order, and enables the subscription again";
        run.LastError = (cause, captured) switch
        {
            ({ } found, not "") => $"{failed} Cause: {found.Cause}.{captured} Fix: {applyDdl}; or, by hand: {found.Fix}; or pgmove stop to end the migration.",
            (null, not "") => $"{failed}{captured} Fix: {applyDdl} (if the apply still fails then, the target's data is in the way: the target server's log has the exact error); or pgmove stop to end the migration.",
            ({ } found, _) => $"{failed} Cause: {found.Cause}. Fix: {found.Fix} (it enables the subscription again); or pgmove stop to end the migration.",
            _ => $"{failed} The tables have the same columns and keys on both servers, so the target's data is in the way: the target server's log has the exact error; " +
              "a unique violation there means rows were written to the target directly. " +
              $"Fix: remove the conflicting rows from {(names.Count == 0 ? "the table" : names[0])} on the target (or make the target read-only for applications until cutover), " +
              "then run pgmove start to resume (it enables the subscription again); or pgmove stop to end the migration.",
        };
    }

    /// <summary>
    /// Pauses the applications if a switch was asked (the freeze comes with it), freezes the source if asked, then writes
    /// a marker into each database's WAL and waits until every slot has confirmed it: from then on the target holds every
    /// committed change. Null when the switch could not pause (nothing changed; the request is answered).
    /// </summary>
    private async Task<RunOutcome?> PrepareCutoverAsync(bool freeze, CancellationToken ct)
    {
        await AddNewTablesBeforeCutoverAsync(ct);
        var names = _runs.Select(r => r.Name).ToList();
        var cutoverSwitch = await CutoverSwitch.PrepareAsync(_store, Id, _options, names, ct);
        freeze |= cutoverSwitch is not null;
        try
        {
            if (cutoverSwitch is not null)
                await cutoverSwitch.PauseAsync(ct);
        }
        catch (PgMoveException error)
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
                await using var source = await OpenSourceAsync(run.Name, ct, writable: true);
                marks[run.Name] = await CutoverMark.WriteAsync(source, run.Name, freeze, ct);
            }

            while (_runs.Any(r => r.ConfirmedLsn is null || NpgsqlLogSequenceNumber.Parse(r.ConfirmedLsn) < marks[r.Name]))
            {
                var failed = _runs.FirstOrDefault(r => r.Phase == DatabasePhase.Failed);
                if (failed is not null)
                {
                    // Nothing was released yet: undo the switch or the freeze; the failed database is reported as before.
                    if (cutoverSwitch is not null)
                        await cutoverSwitch.RollBackAsync(new InvalidOperationException($"database {failed.Name}: {failed.LastError}"));
                    else if (freeze)
                        await SourceFreeze.UnfreezeAsync(_options.Source, names, ct);
                    return new RunOutcome(RunOutcome.Kinds.Error, $"database {failed.Name}: {failed.LastError}");
                }
                await Task.Delay(200, ct);
                await MeasureAsync(ct);
                Save();
                cutoverSwitch?.CheckCatchUp(() => string.Join(", ", _runs.Where(r => r.ConfirmedLsn is null || NpgsqlLogSequenceNumber.Parse(r.ConfirmedLsn) < marks[r.Name])
                    .Select(r => $"{r.Name} {r.LagBytes ?? 0} bytes behind")));
            }
            // A table created just before the marks: into the subscription and copied before the cutover goes on.
            await AddNewTablesBeforeCutoverAsync(ct);
        }
        catch (Exception error) when (cutoverSwitch is not null)
        {
            // Never leave the applications held: whatever stopped the wait (a source gone, a catch-up too slow, Ctrl-C) goes back first.
            var back = await cutoverSwitch.RollBackAsync(error);
            if (error is not PgMoveException refused)
                throw;
            return RefuseSwitch(refused, back);
        }
        return new RunOutcome(RunOutcome.Kinds.Cutover, "cutover", freeze, frozenAt) { Switch = cutoverSwitch };
    }

    /// <summary>A cutover whose switch could not pause, or was rolled back: answered (request cleared) with the cause; the migration goes on syncing.</summary>
    private RunOutcome? RefuseSwitch(PgMoveException refused, string back)
    {
        _record = _record with { Error = $"cutover refused: {Redact(refused.Message)} {back}".TrimEnd(), Fix = refused.Fix };
        Save();
        _store.SetRequest(Id, null);
        return null;
    }
}
