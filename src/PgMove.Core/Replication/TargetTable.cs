using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

/// <summary>A replicated table as the applier writes it: source column order, target types, key columns.</summary>
/// <param name="Dropped">
/// Per column of the source's relation message, whether its value is left out (the column is not on the target);
/// null when every value is written. Only while a later relation message of the same source transaction is
/// expected to drop that column on the source too (see <c>ChangeApplier.RelationAsync</c>).
/// </param>
internal sealed record TargetTable(QualifiedName Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Types, IReadOnlyList<bool> IsKey, IReadOnlyList<bool> IsAlwaysIdentity, bool FullIdentity,
    IReadOnlyList<bool>? Dropped = null)
{
    /// <summary>Rows are found by a key (primary key or replica identity index), so changes of a row can be merged.</summary>
    // Computed on each call, not stored: a copy made with `with` must not keep the original's answer.
    public bool HasKey => !FullIdentity && IsKey.Contains(true);

    /// <summary>The key's only column, or -1 when the key has several (or none).</summary>
    public int SingleKeyColumn
    {
        get
        {
            var single = -1;
            for (var i = 0; i < IsKey.Count; i++)
            {
                if (!IsKey[i])
                    continue;
                if (single >= 0)
                    return -1;
                single = i;
            }
            return single;
        }
    }

    public string Column(int i) => Identifiers.Quote(Columns[i]);

    /// <summary>A positional parameter cast to the column's type: the value arrives as text.</summary>
    public string Param(int column, int position) => $"${position}::{Types[column]}";
}
