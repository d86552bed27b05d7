using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Replication;

/// <summary>
/// Applies pgoutput changes to one target database. Many source transactions form one target transaction (a
/// group), committed with the group's last end LSN (<see cref="AppliedPosition"/>), so a crash never loses or
/// repeats a change.
/// <para>
/// Within a group, the changes to keyed rows are merged into their net effect per row and written with a few
/// set-based statements per table (<see cref="SetStatements"/>): far less work for the target than a statement
/// per change. What cannot be merged (a changed key, FULL identity, TRUNCATE, a relation message) is applied on
/// its own after everything pending, so the order that matters is kept. The changes are also kept as they came,
/// in segments that each start with a savepoint: if the set-based way fails on a constraint (a transient unique
/// or foreign key conflict that the source's order avoided) or touches fewer rows than expected, the segment is
/// rolled back to its savepoint and applied again change by change, in source order.
/// </para>
/// <para>
/// A source transaction's changes are staged until its commit is read, so that a group always holds whole source
/// transactions: when a relation message shows that a table changed on the source in a way the target does not
/// match (DDL), the group before that transaction commits with its LSN and the database stops there. After the
/// user made the same change on the target, streaming resumes exactly at that transaction (see
/// <see cref="RelationAsync"/>).
/// </para>
/// <para>
/// Memory stays bounded: when a segment keeps too much (one huge source transaction, see
/// <see cref="GroupTransaction.SegmentFull"/>), it is written out and a new segment begins.
/// </para>
/// <para>
/// A group's commit runs on the target while the next group is read and merged (one commit at a time): the
/// source is only told a position once the group that holds it has committed.
/// </para>
/// </summary>
internal sealed partial class ChangeApplier : IAsyncDisposable
{
    private readonly NpgsqlConnection _target;
    private readonly string _database;
    private readonly string _slot;
    private readonly Dictionary<uint, TargetTable> _relations = [];
    private readonly ApplyStatistics _statistics;
    private readonly ILogger _logger;
    private GroupBuffer _buffer = new();
    private GroupTransaction? _open;
    private int _groupTransactions;
    private long _groupChanges;
    private NpgsqlLogSequenceNumber _groupEnd;
    private DateTimeOffset? _groupCommitTime;
    private Task<NpgsqlLogSequenceNumber>? _committing;
    private NpgsqlLogSequenceNumber? _committed;

    public ChangeApplier(NpgsqlConnection target, string database, string slot, NpgsqlLogSequenceNumber appliedLsn, ApplyStatistics statistics, ILogger logger, ConnectionSpec? source = null)
    {
        _source = source;
        _logger = logger;
        _target = target;
        _database = database;
        _slot = slot;
        _statistics = statistics;
        _statistics.AppliedLsn = appliedLsn;
    }

    /// <summary>Changes were read that are not yet part of a commit.</summary>
    public bool HasOpenGroup => _open is not null;

    /// <summary>The previous group's commit, while it runs on the target.</summary>
    public Task? CommitInFlight => _committing;

    /// <summary>Source transactions read but not yet part of a commit.</summary>
    public int PendingTransactions => _groupTransactions;

    public long PendingChanges => _groupChanges;

    public DateTimeOffset GroupStarted { get; private set; }

    /// <summary>Segments that had to be applied again change by change (diagnostics).</summary>
    public int RowByRowRetries { get; private set; }

    public async Task InsertAsync(InsertMessage insert, CancellationToken ct)
    {
        var table = await TableAsync(insert.Relation.RelationId, ct);
        await StageAsync(new RowChange(RowChangeKind.Insert, table, null, await ReadAsync(insert.NewRow, table)), ct);
    }

    public async Task UpdateAsync(UpdateMessage update, CancellationToken ct)
    {
        var table = await TableAsync(update.Relation.RelationId, ct);
        // The old key (or the whole old row for REPLICA IDENTITY FULL) comes only when the key changed or identity is FULL.
        ColumnValue[]? old = update switch
        {
            FullUpdateMessage full => await ReadAsync(full.OldRow, table),
            IndexUpdateMessage index => await ReadAsync(index.Key, table),
            _ => null,
        };
        await StageAsync(new RowChange(RowChangeKind.Update, table, old, await ReadAsync(update.NewRow, table)), ct);
    }

    public async Task DeleteAsync(DeleteMessage delete, CancellationToken ct)
    {
        var table = await TableAsync(delete.Relation.RelationId, ct);
        var old = delete switch
        {
            FullDeleteMessage full => await ReadAsync(full.OldRow, table),
            KeyDeleteMessage key => await ReadAsync(key.Key, table),
            _ => throw new InvalidOperationException("A DELETE without key cannot be applied."),
        };
        await StageAsync(new RowChange(RowChangeKind.Delete, table, old, null), ct);
    }

    public async Task TruncateAsync(TruncateMessage truncate, CancellationToken ct)
    {
        var tables = new List<TargetTable>(truncate.Relations.Count);
        foreach (var relation in truncate.Relations)
            tables.Add(await TableAsync(relation.RelationId, ct));
        await StageAsync(new TruncateChange(tables,
            truncate.Options.HasFlag(TruncateMessage.TruncateOptions.RestartIdentity),
            truncate.Options.HasFlag(TruncateMessage.TruncateOptions.Cascade)), ct);
    }

    /// <summary>A source transaction ended: its staged changes join the open group.</summary>
    public async Task CommittedAsync(CommitMessage commit, CancellationToken ct)
    {
        if (_unresolvedDrift.Count > 0)
            throw await StopBeforeTransactionAsync(_unresolvedDrift.Values.First(), ct);
        await UnstageAsync(ct);
        if (_open is null)
            return; // Nothing of ours in it.
        _groupTransactions++;
        _groupEnd = commit.TransactionEndLsn;
        _groupCommitTime = commit.TransactionCommitTimestamp;
    }

    /// <summary>
    /// Starts the open group's commit on the target, together with its end LSN, once the previous commit has
    /// ended; it runs while the caller reads on. <see cref="TakeCommitted"/> then gives the LSN to confirm.
    /// </summary>
    public async Task StartCommitAsync(CancellationToken ct)
    {
        if (_open is null)
            return;
        if (_groupTransactions == 0)
        {
            // Only part of a transaction so far: it must not be committed on its own.
            await FlushPendingAsync(ct);
            return;
        }
        await WaitForCommitAsync(); // one statement at a time on the connection
        // The group's statements are built and sent by another thread: this one goes back to reading the stream.
        var (group, buffer, transactions, changes, end, commitTime, ddl) = (_open, _buffer, _groupTransactions, _groupChanges, _groupEnd, _groupCommitTime, _groupDdl);
        _committing = Task.Run(() => CommitAsync(group, buffer, transactions, changes, end, commitTime, ddl, ct), CancellationToken.None);
        _groupDdl = [];
        CommitRequested = false;
        _open = null;
        _buffer = new GroupBuffer();
        _groupTransactions = 0;
        _groupChanges = 0;
    }

    /// <summary>Waits for the commit in flight, if any (its error, if it failed).</summary>
    public async Task WaitForCommitAsync()
    {
        if (_committing is { } committing)
        {
            _committing = null;
            _committed = await committing;
        }
    }

    /// <summary>The end LSN of the groups committed since the last call (null if none), to confirm to the source.</summary>
    public NpgsqlLogSequenceNumber? TakeCommitted()
    {
        if (_committing is { IsCompleted: true } committing)
        {
            _committing = null;
            _committed = committing.GetAwaiter().GetResult();
        }
        var committed = _committed;
        _committed = null;
        return committed;
    }

    /// <summary>Builds the group's set-based statements, then commits them with the group's end LSN.</summary>
    private async Task<NpgsqlLogSequenceNumber> CommitAsync(GroupTransaction group, GroupBuffer buffer, int transactions, long changes,
        NpgsqlLogSequenceNumber end, DateTimeOffset? commitTime, List<(Ddl.DdlEvent Event, NpgsqlLogSequenceNumber Lsn)> ddl, CancellationToken ct)
    {
        await using (group)
        {
            Queue(buffer, group);
            group.Add(AppliedPosition.Write(_slot, end));
            await group.CommitAsync(ct);
            RowByRowRetries += group.RowByRowRetries;
        }
        _statistics.AddChanges(changes);
        _statistics.AddTransactions(transactions);
        _statistics.AppliedLsn = end;
        _statistics.AppliedCommitTime = commitTime;
        DdlCommitted(ddl);
        return end;
    }

    private async Task AddToGroupAsync(SourceChange change, CancellationToken ct)
    {
        if (_open is null)
        {
            _open = new GroupTransaction(_target, ApplyFailed);
            GroupStarted = DateTimeOffset.UtcNow;
        }
        _groupChanges++;
        _open.Keep(change);
        if (change is not RowChange row || !_buffer.TryAdd(row))
        {
            // It must come after everything pending, on its own.
            QueuePending();
            if (RowStatements.For(change) is { } command)
                _open.Add(command);
            if (_open.BatchFull)
                await ExecuteOpenAsync(ct);
        }
        if (_open.SegmentFull)
        {
            // A huge source transaction: write this segment out, and keep only what comes next.
            await FlushPendingAsync(ct);
            _open.NextSegment();
        }
    }

    /// <summary>Moves the merged changes into the open group, as set-based statements whose row counts are checked.</summary>
    private void QueuePending()
    {
        if (_open is not null)
            Queue(_buffer, _open);
    }

    private static void Queue(GroupBuffer buffer, GroupTransaction group)
    {
        foreach (var table in buffer.Tables)
        {
            foreach (var statement in SetStatements.For(table))
                group.Add(statement);
        }
        buffer.Clear();
    }

    private async Task FlushPendingAsync(CancellationToken ct)
    {
        QueuePending();
        await ExecuteOpenAsync(ct);
    }

    private async Task ExecuteOpenAsync(CancellationToken ct)
    {
        if (_open is null)
            return;
        await WaitForCommitAsync();
        await _open.ExecuteAsync(ct);
    }

    private Errors.PgMoveException ApplyFailed(PostgresException error) =>
        new("replication.apply_failed",
            $"database {_database}: applying a change failed: {error.MessageText} ({error.SqlState}){(error.TableName is null ? "" : $" on table {error.SchemaName}.{error.TableName}")}.",
            error.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                ? "Someone probably wrote to the target: undo that write (only PgMove may write to the target until cutover), then run pgmove start again to resume."
                : "Fix the cause named above on the target, then run pgmove start again to resume from the last applied transaction.", error);

    /// <summary>Reads a row in the relation's column order, leaving out the values of columns the target lacks.</summary>
    private static async Task<ColumnValue[]> ReadAsync(ReplicationTuple tuple, TargetTable table)
    {
        var values = new ColumnValue[table.Dropped is null ? tuple.NumColumns : table.Columns.Count];
        var i = 0;
        var position = 0;
        // Values are read without a token of their own: the stream as a whole is cancelled by the token it was
        // started with, and registering one per value is work for nothing.
        await using var enumerator = tuple.GetAsyncEnumerator(CancellationToken.None);
        while (await enumerator.MoveNextAsync())
        {
            var value = enumerator.Current;
            if (table.Dropped?[position++] == true)
                continue;
            values[i++] = value.Kind switch
            {
                TupleDataKind.Null => ColumnValue.Null,
                TupleDataKind.UnchangedToastedValue => ColumnValue.NotSent,
                _ => new ColumnValue(await value.Get<string>(CancellationToken.None), false),
            };
        }
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (_committing is { } committing)
        {
            try
            {
                await committing;
            }
            catch (Exception)
            {
                // Whoever stopped the stream reports why; that commit rolled back and is read again on resume.
            }
        }
        if (_open is not null)
            await _open.DisposeAsync();
    }
}
