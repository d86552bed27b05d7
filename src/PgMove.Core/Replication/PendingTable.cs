using System.Globalization;
using System.Text;

namespace PgMove.Core.Replication;

/// <summary>
/// A group's changes to one table, merged per key into their net effect. A change whose effect cannot be merged
/// (its key is NULL or was not sent, or it contradicts what came before, such as an INSERT of a row the group
/// already inserted) is refused: the caller then applies it row by row, after what is pending.
/// </summary>
internal sealed class PendingTable(TargetTable table)
{
    // Rows are never changed in place (a merge makes a new array): the changes' own arrays are kept as they are.
    private readonly Dictionary<string, PendingRow> _rows = new(StringComparer.Ordinal);
    private readonly List<ColumnValue[]> _keylessInserts = [];

    public TargetTable Table => table;

    public IEnumerable<PendingRow> Rows => _rows.Values;

    /// <summary>Inserts into a table without a usable key (nothing else can touch them as a set).</summary>
    public IReadOnlyList<ColumnValue[]> KeylessInserts => _keylessInserts;

    public bool TryInsert(ColumnValue[] row)
    {
        if (!table.HasKey)
        {
            _keylessInserts.Add(row);
            return true;
        }
        if (KeyOf(row) is not { } key)
            return false;
        if (!_rows.TryGetValue(key, out var pending))
        {
            _rows.Add(key, new PendingRow(PendingRowState.Insert, row));
            return true;
        }
        if (pending.State != PendingRowState.Delete)
            return false;
        pending.State = PendingRowState.Replace;
        pending.Row = row;
        return true;
    }

    /// <summary>An UPDATE that kept the row's key (an UPDATE that changed it is never offered here).</summary>
    public bool TryUpdate(ColumnValue[] row)
    {
        if (KeyOf(row) is not { } key)
            return false;
        if (!_rows.TryGetValue(key, out var pending))
        {
            _rows.Add(key, new PendingRow(PendingRowState.Update, row));
            return true;
        }
        if (pending.State == PendingRowState.Delete)
            return false;
        pending.Row = Merge(pending.Row, row);
        return true;
    }

    public bool TryDelete(ColumnValue[] key)
    {
        if (KeyOf(key) is not { } text)
            return false;
        if (!_rows.TryGetValue(text, out var pending))
        {
            _rows.Add(text, new PendingRow(PendingRowState.Delete, key));
            return true;
        }
        switch (pending.State)
        {
            case PendingRowState.Insert:
                _rows.Remove(text); // Born and gone within the group.
                return true;
            case PendingRowState.Update:
            case PendingRowState.Replace:
                pending.State = PendingRowState.Delete;
                pending.Row = key;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The later values win; a column the later change did not send keeps the earlier value.</summary>
    private static ColumnValue[] Merge(ColumnValue[] earlier, ColumnValue[] later)
    {
        var merged = new ColumnValue[earlier.Length];
        for (var i = 0; i < merged.Length; i++)
            merged[i] = later[i].Unchanged ? earlier[i] : later[i];
        return merged;
    }

    /// <summary>The key's values in an unambiguous text form (length-prefixed), or null when a key value is missing.</summary>
    private string? KeyOf(ColumnValue[] row)
    {
        if (table.SingleKeyColumn >= 0)
            return row[table.SingleKeyColumn] is { Unchanged: false, Value: { } single } ? single : null;
        var key = new StringBuilder();
        for (var i = 0; i < row.Length; i++)
        {
            if (!table.IsKey[i])
                continue;
            if (row[i].Unchanged || row[i].Value is not { } value)
                return null;
            key.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }
        return key.ToString();
    }
}
