using Npgsql;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using PgMove.Core.Catalog;

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
/// Memory stays bounded: when a segment keeps more than <see cref="MaxKeptBytes"/> (estimated) or
/// <see cref="MaxKeptChanges"/> changes (one huge source transaction), it is written out and a new segment begins.
/// </para>
/// </summary>
internal sealed partial class ChangeApplier : IAsyncDisposable
{
    private const int BatchCommands = 500;
    private const long MaxKeptBytes = 16L * 1024 * 1024;
    private const int MaxKeptChanges = 20_000;
    private const string Segment = "pgmove_segment";

    private readonly NpgsqlConnection _target;
    private readonly string _database;
    private readonly string _slot;
    private readonly Dictionary<uint, TargetTable> _relations = [];
    private readonly ApplyStatistics _statistics;
    private readonly GroupBuffer _buffer = new();
    private readonly List<SourceChange> _kept = [];
    private readonly List<SetStatement> _toCheck = [];
    private long _keptBytes;
    private NpgsqlTransaction? _group;
    private NpgsqlBatch _batch;
    private int _groupTransactions;
    private long _groupChanges;
    private NpgsqlLogSequenceNumber _groupEnd;
    private DateTimeOffset? _groupCommitTime;

    public ChangeApplier(NpgsqlConnection target, string database, string slot, NpgsqlLogSequenceNumber appliedLsn, ApplyStatistics statistics)
    {
        _target = target;
        _database = database;
        _slot = slot;
        _statistics = statistics;
        _statistics.AppliedLsn = appliedLsn;
        _batch = new NpgsqlBatch(target);
    }

    public bool HasOpenGroup => _group is not null;

    /// <summary>Source transactions applied but not yet committed on the target.</summary>
    public int PendingTransactions => _groupTransactions;

    public long PendingChanges => _groupChanges;

    public DateTimeOffset GroupStarted { get; private set; }

    /// <summary>Segments that had to be applied again change by change (for tests and diagnostics).</summary>
    public int RowByRowRetries { get; private set; }

    public async Task RelationAsync(RelationMessage relation, CancellationToken ct)
    {
        // What is pending was read with the old description of the table: write it first.
        await FlushPendingAsync(ct);
        _relations[relation.RelationId] = await DescribeAsync(relation, ct);
    }

    public async Task InsertAsync(InsertMessage insert, CancellationToken ct) =>
        await AddAsync(new RowChange(RowChangeKind.Insert, Table(insert.Relation.RelationId), null, await ReadAsync(insert.NewRow, ct)), ct);

    public async Task UpdateAsync(UpdateMessage update, CancellationToken ct)
    {
        var table = Table(update.Relation.RelationId);
        // The old key (or the whole old row for REPLICA IDENTITY FULL) comes only when the key changed or identity is FULL.
        List<ColumnValue>? old = update switch
        {
            FullUpdateMessage full => await ReadAsync(full.OldRow, ct),
            IndexUpdateMessage index => await ReadAsync(index.Key, ct),
            _ => null,
        };
        await AddAsync(new RowChange(RowChangeKind.Update, table, old, await ReadAsync(update.NewRow, ct)), ct);
    }

    public async Task DeleteAsync(DeleteMessage delete, CancellationToken ct)
    {
        var table = Table(delete.Relation.RelationId);
        var old = delete switch
        {
            FullDeleteMessage full => await ReadAsync(full.OldRow, ct),
            KeyDeleteMessage key => await ReadAsync(key.Key, ct),
            _ => throw new InvalidOperationException("A DELETE without key cannot be applied."),
        };
        await AddAsync(new RowChange(RowChangeKind.Delete, table, old, null), ct);
    }

    public async Task TruncateAsync(TruncateMessage truncate, CancellationToken ct) =>
        await AddAsync(new TruncateChange(truncate.Relations.Select(r => Table(r.RelationId)).ToList(),
            truncate.Options.HasFlag(TruncateMessage.TruncateOptions.RestartIdentity),
            truncate.Options.HasFlag(TruncateMessage.TruncateOptions.Cascade)), ct);

    /// <summary>A source transaction ended: it now belongs to the open group.</summary>
    public void Committed(CommitMessage commit)
    {
        if (_group is null)
            return; // Nothing of ours in it.
        _groupTransactions++;
        _groupEnd = commit.TransactionEndLsn;
        _groupCommitTime = commit.TransactionCommitTimestamp;
    }

    /// <summary>Commits the group on the target together with its end LSN. Returns that LSN, to confirm to the source.</summary>
    public async Task<NpgsqlLogSequenceNumber?> CommitGroupAsync(CancellationToken ct)
    {
        if (_group is null)
            return null;
        if (_groupTransactions == 0)
        {
            // Only part of a transaction so far: it must not be committed on its own.
            await FlushPendingAsync(ct);
            return null;
        }
        await FlushPendingAsync(ct);
        _batch.BatchCommands.Add(AppliedPosition.Write(_slot, _groupEnd));
        await ExecuteBatchAsync(ct);
        await _group.CommitAsync(ct);
        await _group.DisposeAsync();
        _group = null;
        _statistics.AddChanges(_groupChanges);
        _statistics.AddTransactions(_groupTransactions);
        _statistics.AppliedLsn = _groupEnd;
        _statistics.AppliedCommitTime = _groupCommitTime;
        _groupTransactions = 0;
        _groupChanges = 0;
        _kept.Clear();
        _keptBytes = 0;
        return _groupEnd;
    }

    private async Task AddAsync(SourceChange change, CancellationToken ct)
    {
        if (_group is null)
            await BeginGroupAsync(ct);
        _groupChanges++;
        _kept.Add(change);
        _keptBytes += change.Size;
        if (change is not RowChange row || !_buffer.TryAdd(row))
        {
            // It must come after everything pending, on its own.
            QueuePending();
            await AddRowStatementAsync(change, ct);
        }
        if (_keptBytes > MaxKeptBytes || _kept.Count >= MaxKeptChanges)
        {
            // A huge source transaction: write this segment out, and keep only what comes next.
            await FlushPendingAsync(ct);
            NextSegment();
        }
    }

    private async Task BeginGroupAsync(CancellationToken ct)
    {
        _group = await _target.BeginTransactionAsync(ct);
        GroupStarted = DateTimeOffset.UtcNow;
        // The source is told a group is applied as soon as it commits, and never resends it: the commit must
        // be durable by then, even where the target runs with synchronous_commit = off (a crash would lose it).
        _batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = on"));
        _batch.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {Segment}"));
    }

    /// <summary>What is kept so far is written: a new segment starts, with its own savepoint.</summary>
    private void NextSegment()
    {
        _kept.Clear();
        _keptBytes = 0;
        _batch.BatchCommands.Add(new NpgsqlBatchCommand($"RELEASE SAVEPOINT {Segment}"));
        _batch.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {Segment}"));
    }

    private async Task AddRowStatementAsync(SourceChange change, CancellationToken ct)
    {
        if (RowStatements.For(change) is { } command)
            _batch.BatchCommands.Add(command);
        if (_batch.BatchCommands.Count >= BatchCommands)
            await ExecuteBatchAsync(ct);
    }

    /// <summary>Moves the merged changes into the batch, as set-based statements whose row counts are checked.</summary>
    private void QueuePending()
    {
        foreach (var table in _buffer.Tables)
        {
            foreach (var statement in SetStatements.For(table))
            {
                _batch.BatchCommands.Add(statement.Command);
                _toCheck.Add(statement);
            }
        }
        _buffer.Clear();
    }

    private async Task FlushPendingAsync(CancellationToken ct)
    {
        QueuePending();
        await ExecuteBatchAsync(ct);
    }

    private async Task ExecuteBatchAsync(CancellationToken ct)
    {
        if (_batch.BatchCommands.Count == 0)
            return;
        _batch.Transaction = _group;
        var setBased = _toCheck.Count > 0;
        try
        {
            await _batch.ExecuteNonQueryAsync(ct);
            if (setBased && _toCheck.Any(s => s.Command.RecordsAffected != s.Rows))
            {
                await ApplySegmentAgainRowByRowAsync(ct);
                return;
            }
        }
        catch (PostgresException error) when (setBased && error.SqlState.StartsWith("23", StringComparison.Ordinal))
        {
            await ApplySegmentAgainRowByRowAsync(ct);
            return;
        }
        catch (PostgresException error)
        {
            throw ApplyFailed(error);
        }
        await ResetBatchAsync();
    }

    /// <summary>
    /// The set-based way failed or found the target not as expected: roll the segment back to its savepoint and
    /// apply every change it kept again in source order, one statement each, exactly as the source made them.
    /// </summary>
    private async Task ApplySegmentAgainRowByRowAsync(CancellationToken ct)
    {
        RowByRowRetries++;
        await ResetBatchAsync();
        _buffer.Clear();
        _batch.BatchCommands.Add(new NpgsqlBatchCommand($"ROLLBACK TO SAVEPOINT {Segment}"));
        foreach (var change in _kept)
            await AddRowStatementAsync(change, ct);
        // Those are written for good: the changes that follow start a new segment.
        NextSegment();
        await ExecuteBatchAsync(ct);
    }

    private async Task ResetBatchAsync()
    {
        _toCheck.Clear();
        await _batch.DisposeAsync();
        _batch = new NpgsqlBatch(_target) { Transaction = _group };
    }

    private Errors.PgMoveException ApplyFailed(PostgresException error) =>
        new("replication.apply_failed",
            $"database {_database}: applying a change failed: {error.MessageText} ({error.SqlState}){(error.TableName is null ? "" : $" on table {error.SchemaName}.{error.TableName}")}.",
            error.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                ? "Someone probably wrote to the target: undo that write (only PgMove may write to the target until cutover), then run pgmove start again to resume."
                : "Fix the cause named above on the target, then run pgmove start again to resume from the last applied transaction.", error);

    private TargetTable Table(uint relationId) =>
        _relations.TryGetValue(relationId, out var table)
            ? table
            : throw new InvalidOperationException($"No relation message was received for relation {relationId}.");

    private static async Task<List<ColumnValue>> ReadAsync(ReplicationTuple tuple, CancellationToken ct)
    {
        var values = new List<ColumnValue>(tuple.NumColumns);
        await foreach (var value in tuple.WithCancellation(ct))
        {
            values.Add(value.Kind switch
            {
                TupleDataKind.Null => ColumnValue.Null,
                TupleDataKind.UnchangedToastedValue => ColumnValue.NotSent,
                _ => new ColumnValue(await value.Get<string>(ct), false),
            });
        }
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        await _batch.DisposeAsync();
        if (_group is not null)
            await _group.DisposeAsync();
    }
}
