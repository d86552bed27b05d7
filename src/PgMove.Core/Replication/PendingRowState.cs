namespace PgMove.Core.Replication;

internal enum PendingRowState
{
    /// <summary>The row did not exist before the group: INSERT it.</summary>
    Insert,

    /// <summary>The row existed: UPDATE the columns written.</summary>
    Update,

    /// <summary>The row existed: DELETE it.</summary>
    Delete,

    /// <summary>The row existed, was deleted and inserted again: DELETE the old one, then INSERT.</summary>
    Replace,
}
