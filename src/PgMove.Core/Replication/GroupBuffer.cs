namespace PgMove.Core.Replication;

/// <summary>
/// The row changes of one apply group (many source transactions, committed together on the target), merged per
/// table and key into their net effect, so that the group can be written with a few set-based statements per
/// table instead of one statement per change. Tables keep the order in which the group first touched them.
/// </summary>
internal sealed class GroupBuffer
{
    private readonly Dictionary<TargetTable, PendingTable> _tables = new(ReferenceEqualityComparer.Instance);
    private readonly List<PendingTable> _order = [];

    public bool IsEmpty => _order.Count == 0;

    public IReadOnlyList<PendingTable> Tables => _order;

    /// <summary>
    /// Merges the change, or returns false when it must be applied on its own, in order (a changed key, a table
    /// without a key, FULL identity, a NULL key, or a change that contradicts the group's earlier ones).
    /// </summary>
    public bool TryAdd(RowChange change)
    {
        switch (change.Kind)
        {
            case RowChangeKind.Insert:
                return Pending(change.Table).TryInsert(change.New!);
            case RowChangeKind.Update when change.Table.HasKey && change.Old is null:
                return Pending(change.Table).TryUpdate(change.New!);
            case RowChangeKind.Delete when change.Table.HasKey:
                return Pending(change.Table).TryDelete(change.Old!);
            default:
                return false;
        }
    }

    public void Clear()
    {
        _tables.Clear();
        _order.Clear();
    }

    private PendingTable Pending(TargetTable table)
    {
        if (!_tables.TryGetValue(table, out var pending))
        {
            pending = new PendingTable(table);
            _tables.Add(table, pending);
            _order.Add(pending);
        }
        return pending;
    }
}
