namespace PgMove.Core.Replication;

/// <summary>
/// The net effect of a group's changes on one row of a keyed table. <see cref="Row"/> is the whole new row for
/// <see cref="PendingRowState.Insert"/> and <see cref="PendingRowState.Replace"/>, the new values for
/// <see cref="PendingRowState.Update"/> (columns not to write are marked unchanged), and the key for
/// <see cref="PendingRowState.Delete"/>.
/// </summary>
internal sealed class PendingRow(PendingRowState state, ColumnValue[] row)
{
    public PendingRowState State { get; set; } = state;

    public ColumnValue[] Row { get; set; } = row;
}
