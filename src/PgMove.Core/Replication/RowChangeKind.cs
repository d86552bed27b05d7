namespace PgMove.Core.Replication;

internal enum RowChangeKind
{
    Insert,
    Update,
    Delete,
}
