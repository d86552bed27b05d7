using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

/// <summary>A replicated table as the applier writes it: source column order, target types, key columns.</summary>
internal sealed record TargetTable(QualifiedName Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Types, IReadOnlyList<bool> IsKey, IReadOnlyList<bool> IsAlwaysIdentity, bool FullIdentity)
{
    /// <summary>Rows are found by a key (primary key or replica identity index), so changes of a row can be merged.</summary>
    public bool HasKey => !FullIdentity && IsKey.Contains(true);

    public string Column(int i) => Identifiers.Quote(Columns[i]);

    /// <summary>A positional parameter cast to the column's type: the value arrives as text.</summary>
    public string Param(int column, int position) => $"${position}::{Types[column]}";
}
