using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Subscription;

/// <summary>
/// DDL in the subscription method. A native subscription cannot replay DDL, so the capture logs each DDL on the
/// source (<see cref="DdlCaptureSink.Log"/>); when the apply stops on a table or column the target lacks, the error
/// names the logged statements, and <c>pgmove start --apply-ddl</c> runs them on the target in the source's order,
/// each recorded there in its own transaction (<see cref="TargetDdlMarks"/>), before the subscription is enabled again.
/// </summary>
internal sealed partial class SubscriptionRunner
{
    /// <summary>
    /// Installs (or renews, keeping its log) the capture in one source database. Never a reason to stop: without it
    /// (no superuser for event triggers), a changed table stops the database with the cause read from both catalogs.
    /// </summary>
    private async Task InstallCaptureAsync(SubscriptionDatabase run, NpgsqlConnection source, CancellationToken ct)
    {
        if (!_options.CaptureDdl)
            return;
        try
        {
            await DdlCapture.InstallAsync(source, Id, ct, DdlCaptureSink.Log);
            _logger.DdlCaptureInstalled(run.Name, $"{ReplicationNames.DdlCapture(Id)}_end, _start, _drop, logging into {DdlCapture.LogTable(Id)}");
        }
        catch (PostgresException error) when (!IsTransient(error))
        {
            _logger.DdlCaptureUnavailable(run.Name, $"{error.MessageText}{(error.SqlState == PostgresErrorCodes.InsufficientPrivilege ? ": event triggers need a superuser on the source" : "")}");
        }
    }

    /// <summary>
    /// On resume: the capture renewed (its log kept), or installed for a migration that had none. A source out of
    /// reach does not hold up the target side: the subscription waits for the source by itself.
    /// </summary>
    private async Task RenewCaptureAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        try
        {
            await using var source = await OpenSourceAsync(run.Name, ct);
            await InstallCaptureAsync(run, source, ct);
        }
        catch (Exception error) when (IsTransient(error) && !_options.ApplyDdl)
        {
            _logger.DdlCaptureUnavailable(run.Name, "the source is out of reach; the capture installed earlier stays as it was");
        }
    }

    /// <summary>
    /// Where captured DDL stops belonging to what the target has reached: the commit of the first transaction the
    /// subscription has not applied (peeked from its slot, which the disabled subscription leaves free).
    /// </summary>
    private static async Task<(IReadOnlyList<(string Schema, string Name)> Tables, NpgsqlLogSequenceNumber? Bound)> PeekFirstPendingAsync(
        SubscriptionDatabase run, NpgsqlConnection source, NpgsqlConnection target, CancellationToken ct)
    {
        var applied = await OriginProgressAsync(run, target, ct);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await PendingChanges.FirstTransactionAsync(source, run.Slot, run.Publication, applied, ct);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 150)
            {
                await Task.Delay(200, ct); // the walsender of the disabled subscription is still exiting
            }
        }
    }

    /// <summary>What the subscription has applied (its replication origin); null when the target does not say (not a superuser there).</summary>
    private static async Task<NpgsqlLogSequenceNumber?> OriginProgressAsync(SubscriptionDatabase run, NpgsqlConnection target, CancellationToken ct)
    {
        if (run.SubscriptionOid is not { } oid)
            return null;
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_catalog.pg_replication_origin_progress(@origin, true)", target);
            command.Parameters.AddWithValue("origin", $"pg_{oid}");
            return await command.ExecuteScalarAsync(ct) is NpgsqlLogSequenceNumber lsn ? lsn : null;
        }
        catch (PostgresException error) when (error.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedObject)
        {
            return null;
        }
    }

    /// <summary>" The source ran … not yet made on the target: …" for an error, or "" when nothing captured is pending.</summary>
    private async Task<string> DescribePendingDdlAsync(NpgsqlConnection source, NpgsqlConnection target, NpgsqlLogSequenceNumber? bound, CancellationToken ct)
    {
        var pending = PendingDdl.Select(await CapturedDdl.ReadAsync(source, Id, ct), await TargetDdlMarks.ReadAsync(target, ct), bound);
        if (pending.Count == 0)
            return "";
        return $" PgMove captured the DDL the source ran that the target does not have yet: {PendingDdl.Describe(pending)}.";
    }

    /// <summary>
    /// <c>pgmove start --apply-ddl</c>, for one database: disables the subscription (so that its slot can be read),
    /// runs on the target every captured DDL up to where the subscription stopped, in order, with the source's
    /// search_path and role, one transaction each with its mark. The caller enables the subscription again. Returns
    /// how many ran, and how many captured DDL the stream has not reached yet (left for later).
    /// </summary>
    private async Task<(int Applied, int Later, string Note)> ApplyPendingDdlAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        await using var target = await OpenTargetAsync(run.Name, ct);
        await ReadSubscriptionStateAsync(target, run, ct);
        await using var source = await OpenSourceAsync(run.Name, ct);
        if (!await CapturedDdl.LogExistsAsync(source, Id, ct))
            return (0, 0, " (the source has no DDL log: the capture could not be installed)");
        await _subscriptions.DisableAsync(target, run.Subscription, ct);
        var (_, bound) = await PeekFirstPendingAsync(run, source, target, ct);
        var unmarked = PendingDdl.Select(await CapturedDdl.ReadAsync(source, Id, ct), await TargetDdlMarks.ReadAsync(target, ct), bound: null);
        var pending = PendingDdl.Select(unmarked, new HashSet<long>(), bound);
        var later = unmarked.Count - pending.Count;
        if (pending.Count == 0)
            return (0, later, bound is { } at ? $" before source LSN {at}, where the subscription is ({later} captured after it)" : "");
        await TargetDdlMarks.EnsureAsync(target, ct);
        foreach (var ddl in pending)
        {
            await ApplyOneAsync(run, target, ddl, ct);
            run.DdlApplied++;
            Save();
        }
        return (pending.Count, later, "");
    }

    /// <summary>
    /// A run started with --apply-ddl keeps applying: when the apply stops again on a DDL the stream has reached
    /// since (or a table it created is missing), the captured DDL runs and the subscription goes on. True when that
    /// handled it: DDL ran and streaming resumed; or, for a missing table (<paramref name="waitForLater"/>), DDL is
    /// captured that the stream has not reached yet (the table's rows are skipped until the refresh copies them);
    /// or running it failed and the database is marked failed. False: nothing to do, the usual report follows.
    /// </summary>
    private async Task<bool> TryApplyDdlAsync(SubscriptionDatabase run, bool waitForLater, CancellationToken ct)
    {
        if (!_options.ApplyDdl)
            return false;
        try
        {
            var (applied, later, _) = await ApplyPendingDdlAsync(run, ct);
            await using (var target = await OpenTargetAsync(run.Name, ct))
                await _subscriptions.EnableAsync(target, run.Subscription, ct);
            if (applied == 0)
                return waitForLater && later > 0;
            if (run.CopyDone)
                await AddNewTablesOrWaitAsync(run, ct);
            run.ErrorsAtStart = null; // a new baseline: the errors counted so far were this DDL's
            run.LastError = null;
            return true;
        }
        catch (Exception error) when (IsTransient(error))
        {
            return false; // a server out of reach: the usual report, and pgmove start --apply-ddl again
        }
        catch (PgMoveException error)
        {
            run.Phase = DatabasePhase.Failed;
            run.LastError = Redact($"{error.Message} Fix: {error.Fix}");
            return true;
        }
        catch (PostgresException error)
        {
            run.Phase = DatabasePhase.Failed;
            run.LastError = Redact($"database {run.Name}: applying the captured DDL failed: {error.MessageText} ({error.SqlState}). Fix: correct the cause, then run pgmove start --apply-ddl again; or pgmove stop to end the migration.");
            return true;
        }
    }

    /// <summary>The tables the DDL created join the subscription now; one created by DDL the stream has not reached waits for the next check.</summary>
    private async Task AddNewTablesOrWaitAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        try
        {
            await AddNewTablesAsync(run, ct);
        }
        catch (PgMoveException error) when (error.Code == "subscription.table_missing" && _options.ApplyDdl)
        {
            // FollowNewTablesAsync tries again, applying the DDL once the stream is there.
        }
    }

    private async Task ApplyOneAsync(SubscriptionDatabase run, NpgsqlConnection target, CapturedDdl ddl, CancellationToken ct)
    {
        var change = ddl.Event;
        var plan = DdlPlan.For(change);
        var byHand = $"Make the same schema change on the target by hand, in database {run.Name} (the schema change only: rows arrive from the source), " +
                     $"record it there as made: {TargetDdlMarks.ByHandSql(ddl.Id, change.Tag)}; then run pgmove start --apply-ddl again. Or pgmove stop to end the migration.";
        if (plan.NotCarried is { } reason)
            throw new PgMoveException("subscription.ddl_not_carried",
                $"database {run.Name}: the source ran DDL that PgMove cannot repeat safely: {reason}. The statement ({change.Tag}, at source LSN {ddl.Lsn}): {change.Query.Trim()}. " +
                "Nothing after it was applied; the subscription stays disabled.", byHand);

        var role = await UsableRoleAsync(run.Name, target, change.Role, ct);
        try
        {
            // Plain statements, in one transaction with the mark: CREATE INDEX CONCURRENTLY runs without the word
            // (DdlPlan), which blocks nobody while the subscription, the target's only writer, is disabled.
            await using var transaction = await target.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(target, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', $1, true)") { Parameters = { new NpgsqlParameter { Value = change.SearchPath ?? "" } } });
            if (role is not null)
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL ROLE {Identifiers.Quote(role)}"));
            foreach (var statement in plan.Statements)
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            if (role is not null)
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL ROLE NONE"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', '', true)"));
            batch.BatchCommands.Add(TargetDdlMarks.Write(ddl.Id, change.Tag, plan.Statements.Count == 0 ? "nothing to run (temporary object)" : "applied"));
            await batch.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            _logger.DdlApplied(run.Name, change.Tag, change.ObjectsText, ddl.Lsn.ToString());
        }
        catch (PostgresException error) when (!IsTransient(error))
        {
            if (!PendingDdl.AlreadyOnTarget(error.SqlState, change.Tag))
                throw new PgMoveException("subscription.ddl_failed",
                    $"database {run.Name}: the source ran {change.Tag} (at source LSN {ddl.Lsn}), and repeating it on the target failed: {error.MessageText} ({error.SqlState}). " +
                    $"The statement: {PendingDdl.Statement(ddl)}. The DDL before it was applied; the subscription stays disabled.",
                    $"Make the target able to run the statement (the object or role it needs, the privilege), then run pgmove start --apply-ddl again. Or: {byHand}", error);
            await using var mark = new NpgsqlBatch(target) { BatchCommands = { TargetDdlMarks.Write(ddl.Id, change.Tag, $"already on the target ({error.SqlState})") } };
            await mark.ExecuteNonQueryAsync(ct);
            _logger.DdlAlreadyOnTarget(run.Name, change.Tag, ddl.Lsn.ToString(), $"{error.MessageText} ({error.SqlState})");
        }
    }

    /// <summary>The role to run a DDL as: the source's, when it exists on the target and PgMove's user may take it; else null (PgMove's user).</summary>
    private async Task<string?> UsableRoleAsync(string database, NpgsqlConnection target, string? role, CancellationToken ct)
    {
        var targetUser = _targetFacts!.CurrentUser;
        if (role is null || role == targetUser)
            return null;
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = @role AND pg_catalog.pg_has_role(r.oid, 'MEMBER'))", target);
        command.Parameters.AddWithValue("role", role);
        if (await command.ExecuteScalarAsync(ct) is true)
            return role;
        _logger.DdlRoleUnusable(database, role, targetUser);
        return null;
    }
}
