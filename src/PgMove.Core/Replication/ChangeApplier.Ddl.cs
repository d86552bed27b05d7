using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Replication;

/// <summary>
/// DDL carried in the stream (<see cref="DdlCapture"/>): run on the target at its place among the rows, in the
/// same target transaction as the rows around it and the applied position, so that a crash repeats it exactly
/// once. The relation message pgoutput sends after a change of a table's shape then matches the target.
/// </summary>
internal sealed partial class ChangeApplier
{
    private readonly Dictionary<string, bool> _usableRoles = new(StringComparer.Ordinal);
    private string? _targetUser;

    /// <summary>DDL run in the open group, logged and counted once it has committed.</summary>
    private List<(DdlEvent Event, NpgsqlLogSequenceNumber Lsn)> _groupDdl = [];

    /// <summary>
    /// A DDL ran in the current source transaction: the group ends with it. The next transaction may use what it
    /// made in a way PostgreSQL allows only once it has committed (an enum value added by ALTER TYPE ADD VALUE).
    /// </summary>
    public bool CommitRequested { get; private set; }

    public async Task DdlAsync(DdlEvent ddl, NpgsqlLogSequenceNumber lsn, CancellationToken ct)
    {
        var plan = DdlPlan.For(ddl);
        if (plan.NotCarried is null && plan.Statements.Count == 0)
            return; // a temporary table
        await JoinGroupFromHereAsync(ct);
        if (plan.NotCarried is { } reason)
        {
            if (await DdlHeld.IsHeldAsync(_target, _slot, lsn, ct))
            {
                _open!.Add(DdlHeld.Release(_slot, lsn));
                _logger.DdlPassedAsDoneByHand(_database, ddl.Tag, lsn.ToString());
                return;
            }
            var error = NotCarried(ddl, lsn, reason);
            await StopBeforeTransactionAsync(error, ct);
            await DdlHeld.AddAsync(_target, _slot, lsn, ddl.Query, ct);
            throw error;
        }

        // The rows before it are written with the table as it was, then the DDL in a segment of its own: a
        // segment applied again row by row never runs it twice.
        await FlushPendingAsync(ct);
        _open!.NextSegment();
        if (ddl.Tag == "ALTER TABLE" && await DdlHeld.IsHeldAsync(_target, _slot, lsn, ct))
        {
            // Stopped at before (an added column's values, see MendAddedColumnsAsync) and made on the target by hand.
            _open.Add(DdlHeld.Release(_slot, lsn));
            _logger.DdlPassedAsDoneByHand(_database, ddl.Tag, lsn.ToString());
            return;
        }
        var columnsBefore = await ColumnsBeforeAlterAsync(ddl, ct);
        var role = await UsableRoleAsync(ddl.Role, ct);
        _open.Add(new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', $1, true)") { Parameters = { new NpgsqlParameter { Value = ddl.SearchPath ?? "" } } });
        if (role is not null)
            _open.Add(new NpgsqlBatchCommand($"SET LOCAL ROLE {Identifiers.Quote(role)}"));
        foreach (var statement in plan.Statements)
            _open.Add(new NpgsqlBatchCommand(statement));
        if (role is not null)
            _open.Add(new NpgsqlBatchCommand("SET LOCAL ROLE NONE"));
        _open.Add(new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', '', true)"));
        try
        {
            await _open.ExecuteAsync(ct);
        }
        catch (PgMoveException failed) when (failed.InnerException is PostgresException error)
        {
            throw new PgMoveException("replication.ddl_failed",
                $"database {_database}: the source ran {ddl.Tag} (at source LSN {lsn}), and repeating it on the target failed: {error.MessageText} ({error.SqlState}). The statement: {string.Join("; ", plan.Statements)}. Streaming stopped for this database before that source transaction (everything before it is applied).",
                "Make the target able to run the statement (the object or role it needs, the privilege), then pgmove start: streaming resumes at that transaction and runs it again.", error);
        }
        if (columnsBefore is { } before && await MendAddedColumnsAsync(ddl, lsn, before, ct) is { } unmendable)
        {
            await StopBeforeTransactionAsync(unmendable, ct);
            await DdlHeld.AddAsync(_target, _slot, lsn, ddl.Query, ct);
            throw unmendable;
        }
        _open.NextSegment();
        _groupDdl.Add((ddl, lsn));
        CommitRequested = true;
    }

    /// <summary>
    /// The group of whole source transactions before this one commits, and this transaction's changes so far join
    /// a new group, as do the rest of it: what runs on the target from here on belongs to this transaction, and a
    /// stop rolls the target back to its start.
    /// </summary>
    private async Task JoinGroupFromHereAsync(CancellationToken ct)
    {
        if (!_spilled)
        {
            if (_groupTransactions > 0)
                await StartCommitAsync(ct);
            foreach (var change in _staged)
                await AddToGroupAsync(change, ct);
            _staged.Clear();
            _stagedBytes = 0;
            _spilled = true;
        }
        if (_open is null)
        {
            _open = new GroupTransaction(_target, ApplyFailed);
            GroupStarted = DateTimeOffset.UtcNow;
        }
        await WaitForCommitAsync(); // one statement at a time on the connection
    }

    /// <summary>The role to run the DDL as: the source's, when it exists on the target and PgMove's user may take it; else null (PgMove's user).</summary>
    private async Task<string?> UsableRoleAsync(string? role, CancellationToken ct)
    {
        if (role is null)
            return null;
        if (_targetUser is null)
        {
            await using var command = new NpgsqlCommand("SELECT current_user", _target);
            _targetUser = (string)(await command.ExecuteScalarAsync(ct))!;
        }
        if (role == _targetUser)
            return null;
        if (!_usableRoles.TryGetValue(role, out var usable))
        {
            await using var command = new NpgsqlCommand(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = @role AND pg_catalog.pg_has_role(oid, 'MEMBER'))", _target);
            command.Parameters.AddWithValue("role", role);
            usable = await command.ExecuteScalarAsync(ct) is true;
            _usableRoles[role] = usable;
            if (!usable)
                _logger.DdlRoleUnusable(_database, role, _targetUser);
        }
        return usable ? role : null;
    }

    private PgMoveException NotCarried(DdlEvent ddl, NpgsqlLogSequenceNumber lsn, string reason) =>
        new("replication.ddl_not_carried",
            $"database {_database}: the source ran DDL that PgMove cannot repeat safely: {reason}. The statement ({ddl.Tag}, at source LSN {lsn}): {ddl.Query.Trim()} — streaming stopped for this database before that source transaction (everything before it is applied).",
            $"Make the same schema change on the target, in database {_database} (the schema change only: rows the statement wrote arrive from the source), then pgmove start: streaming resumes at that transaction and takes the change as made. To carry such changes by themselves next time, run DDL as plain statements, not inside functions, DO blocks or query strings with other statements.");

    /// <summary>Logs and counts the DDL of a group that has committed.</summary>
    private void DdlCommitted(List<(DdlEvent Event, NpgsqlLogSequenceNumber Lsn)> ddl)
    {
        foreach (var (change, lsn) in ddl)
        {
            _statistics.AddDdl(1);
            _logger.DdlApplied(_database, change.Tag, change.ObjectsText, lsn.ToString());
        }
    }
}
