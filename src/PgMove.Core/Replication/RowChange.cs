namespace PgMove.Core.Replication;

/// <summary>
/// An INSERT (<see cref="New"/>), UPDATE (<see cref="New"/>, and <see cref="Old"/> when the key changed or the
/// identity is FULL) or DELETE (<see cref="Old"/>: the key, or the whole row for FULL identity) of one row.
/// Rows hold every column of the relation in source order.
/// </summary>
internal sealed record RowChange(RowChangeKind Kind, TargetTable Table, ColumnValue[]? Old, ColumnValue[]? New) : SourceChange
{
    // Objects, the merged copy and the key included: about 200 bytes per change and 48 per value, plus the text.
    public override long Size => 200 + SizeOf(Old) + SizeOf(New);

    private static long SizeOf(ColumnValue[]? row)
    {
        if (row is null)
            return 0;
        long size = 0;
        foreach (var value in row)
            size += 48 + 2L * (value.Value?.Length ?? 0);
        return size;
    }
}
