using Npgsql.Replication.PgOutput.Messages;

namespace PgMove.Core.Replication;

/// <summary>
/// Source transactions kept whole, so that a change of a table's shape on the source (DDL) stops the database
/// exactly before the transaction that needs the new shape.
/// </summary>
internal sealed partial class ChangeApplier
{
    // A source transaction is staged up to this size; beyond it (one huge transaction) its changes go to the group
    // as they come, as GroupTransaction's segments bound what is kept.
    private const int MaxStagedChanges = 20_000;
    private const long MaxStagedBytes = 16L * 1024 * 1024;

    private readonly List<SourceChange> _staged = [];
    private long _stagedBytes;

    /// <summary>The current source transaction outgrew the stage: its changes so far are in the open group.</summary>
    private bool _spilled;

    /// <summary>Relations whose last relation message does not match the target.</summary>
    private readonly Dictionary<uint, RelationDrift> _drifts = [];

    /// <summary>Relations of <see cref="_drifts"/> the current source transaction changed rows of, values left out.</summary>
    private readonly Dictionary<uint, SchemaDriftException> _unresolvedDrift = [];

    /// <summary>
    /// A table's description on the source, sent before the first change to it in a stream and after every change
    /// of its shape, in the source transaction where that shape holds (before the change it precedes).
    /// <para>
    /// A description the target does not match is not an error yet: only a change that needs it is. A source
    /// transaction made of <c>INSERT; ALTER TABLE ... DROP COLUMN x; UPDATE</c> is described twice: with x for the
    /// INSERT, without x for the UPDATE. Replayed once the user dropped x on the target, the first description does
    /// not match, the second does, and the transaction as a whole ends with the target's shape: the INSERT is
    /// written without x. If no matching description follows within the transaction, it stops at its commit.
    /// </para>
    /// </summary>
    public async Task RelationAsync(RelationMessage relation, CancellationToken ct)
    {
        // What is pending was read with the old description of the table: write it first.
        await FlushPendingAsync(ct);
        await WaitForCommitAsync();
        var id = relation.RelationId;
        var (table, drift) = await DescribeAsync(relation, _relations.GetValueOrDefault(id), ct);
        if (table is null)
            _relations.Remove(id);
        else
            _relations[id] = table;
        _unresolvedDrift.Remove(id);
        if (drift is null)
            _drifts.Remove(id);
        else
            _drifts[id] = drift;
    }

    /// <summary>The table a change of the current source transaction writes; stops the database if it cannot.</summary>
    private async Task<TargetTable> TableAsync(uint relationId, CancellationToken ct)
    {
        if (_drifts.TryGetValue(relationId, out var drift))
        {
            if (!drift.Resolvable)
                throw await StopBeforeTransactionAsync(drift.Error, ct);
            _unresolvedDrift.TryAdd(relationId, drift.Error);
        }
        return _relations.TryGetValue(relationId, out var table)
            ? table
            : throw new InvalidOperationException($"No relation message was received for relation {relationId}.");
    }

    private async Task StageAsync(SourceChange change, CancellationToken ct)
    {
        if (_spilled)
        {
            await AddToGroupAsync(change, ct);
            return;
        }
        _staged.Add(change);
        _stagedBytes += change.Size;
        if (_staged.Count < MaxStagedChanges && _stagedBytes <= MaxStagedBytes)
            return;
        // The group before this transaction commits first: a stop inside it still leaves the target at its start.
        if (_groupTransactions > 0)
            await StartCommitAsync(ct);
        _spilled = true;
        await UnstageAsync(ct);
    }

    /// <summary>The current source transaction's staged changes join the open group, in source order.</summary>
    private async Task UnstageAsync(CancellationToken ct)
    {
        foreach (var change in _staged)
            await AddToGroupAsync(change, ct);
        _staged.Clear();
        _stagedBytes = 0;
        _spilled = false;
    }

    /// <summary>
    /// Commits the group of whole source transactions read before the current one, with the LSN of the last, and
    /// drops what the current one has so far: streaming resumes at its start, where it needs the new shape.
    /// Returns the error to throw.
    /// </summary>
    private async Task<TError> StopBeforeTransactionAsync<TError>(TError error, CancellationToken ct) where TError : Exception
    {
        _staged.Clear();
        _stagedBytes = 0;
        _unresolvedDrift.Clear();
        if (_spilled)
        {
            // The group holds part of this transaction (the transactions before it committed when it spilled).
            await WaitForCommitAsync();
            if (_open is not null)
                await _open.DisposeAsync();
            _open = null;
            _buffer = new GroupBuffer();
            _groupTransactions = 0;
            _groupChanges = 0;
            _groupDdl = [];
            CommitRequested = false;
            _spilled = false;
        }
        else if (_groupTransactions > 0)
        {
            await StartCommitAsync(ct);
        }
        await WaitForCommitAsync();
        return error;
    }
}
