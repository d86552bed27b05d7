using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace PgMove.Core.Replication;

/// <summary>
/// Writes a table's merged changes with one statement per kind: the rows travel as one text array per column
/// (<c>unnest</c>), each value cast to the target column's type as a single-row statement would. Deletes go
/// first (a row deleted and inserted again is deleted, then inserted), then updates (one statement per set of
/// columns written), then inserts.
/// </summary>
internal static class SetStatements
{
    private const string TargetAlias = "pgmove_t";
    private const string RowsAlias = "pgmove_v";

    public static IEnumerable<SetStatement> For(PendingTable pending)
    {
        var table = pending.Table;
        var deletes = pending.Rows.Where(r => r.State is PendingRowState.Delete or PendingRowState.Replace).ToList();
        if (deletes.Count > 0)
            yield return Delete(table, deletes);

        foreach (var updates in pending.Rows.Where(r => r.State == PendingRowState.Update).GroupBy(r => WrittenColumns(table, r.Row)))
        {
            if (updates.Key.Length > 0)
                yield return Update(table, updates.Key, updates.ToList());
        }

        var inserts = pending.Rows.Where(r => r.State is PendingRowState.Insert or PendingRowState.Replace).Select(r => r.Row)
            .Concat(pending.KeylessInserts).ToList();
        if (inserts.Count > 0)
            yield return Insert(table, inserts);
    }

    private static SetStatement Delete(TargetTable table, List<PendingRow> rows)
    {
        var command = new NpgsqlBatchCommand();
        var keys = KeyColumns(table);
        command.CommandText = $"DELETE FROM {table.Name} AS {TargetAlias} USING {Unnest(command, keys, rows.Select(r => r.Row).ToList())} WHERE {KeyMatch(table, keys)}";
        return new SetStatement(command, rows.Count);
    }

    private static SetStatement Update(TargetTable table, string written, List<PendingRow> rows)
    {
        var command = new NpgsqlBatchCommand();
        var keys = KeyColumns(table);
        var columns = Enumerable.Range(0, table.Columns.Count).Where(i => written[i] == '1').ToList();
        var sql = new StringBuilder($"UPDATE {table.Name} AS {TargetAlias} SET ");
        for (var n = 0; n < columns.Count; n++)
            sql.Append(n == 0 ? "" : ", ").Append(table.Column(columns[n])).Append(" = ").Append(Value(table, columns[n], keys.Count + n));
        sql.Append(" FROM ").Append(Unnest(command, [.. keys, .. columns], rows.Select(r => r.Row).ToList()));
        sql.Append(" WHERE ").Append(KeyMatch(table, keys));
        command.CommandText = sql.ToString();
        return new SetStatement(command, rows.Count);
    }

    private static SetStatement Insert(TargetTable table, List<ColumnValue[]> rows)
    {
        var command = new NpgsqlBatchCommand();
        var columns = Enumerable.Range(0, table.Columns.Count).ToList();
        var sql = new StringBuilder($"INSERT INTO {table.Name} (");
        sql.AppendJoin(", ", columns.Select(table.Column)).Append(") OVERRIDING SYSTEM VALUE SELECT ");
        sql.AppendJoin(", ", columns.Select(i => Value(table, i, i)));
        sql.Append(" FROM ").Append(Unnest(command, columns, rows));
        command.CommandText = sql.ToString();
        return new SetStatement(command, rows.Count);
    }

    /// <summary>The columns an update writes, as a mask ('1' = written): not sent (unchanged TOAST), GENERATED ALWAYS identity and key columns are left alone.</summary>
    private static string WrittenColumns(TargetTable table, ColumnValue[] row)
    {
        var mask = new char[row.Length];
        var any = false;
        for (var i = 0; i < row.Length; i++)
        {
            var written = !row[i].Unchanged && !table.IsAlwaysIdentity[i] && !table.IsKey[i];
            mask[i] = written ? '1' : '0';
            any |= written;
        }
        return any ? new string(mask) : "";
    }

    private static List<int> KeyColumns(TargetTable table) =>
        Enumerable.Range(0, table.Columns.Count).Where(i => table.IsKey[i]).ToList();

    private static string KeyMatch(TargetTable table, List<int> keys) =>
        string.Join(" AND ", keys.Select((column, n) => $"{TargetAlias}.{table.Column(column)} = {Value(table, column, n)}"));

    /// <summary>Position <paramref name="n"/> of the unnested rows, cast to the type of column <paramref name="column"/>.</summary>
    private static string Value(TargetTable table, int column, int n) => $"{RowsAlias}.c{n}::{table.Types[column]}";

    /// <summary><c>ROWS FROM (unnest($1::text[]), …) AS pgmove_v(c0, …)</c> over the given columns of the rows, adding the arrays as parameters.</summary>
    private static string Unnest(NpgsqlBatchCommand command, List<int> columns, List<ColumnValue[]> rows)
    {
        // ROWS FROM: the multi-argument unnest() shorthand only exists unqualified, and search_path is empty.
        var sql = new StringBuilder("ROWS FROM (");
        for (var n = 0; n < columns.Count; n++)
        {
            var values = new string?[rows.Count];
            for (var r = 0; r < rows.Count; r++)
                values[r] = rows[r][columns[n]].Value;
            command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            sql.Append(n == 0 ? "" : ", ").Append("pg_catalog.unnest($").Append(command.Parameters.Count).Append("::pg_catalog.text[])");
        }
        sql.Append(") AS ").Append(RowsAlias).Append('(');
        sql.AppendJoin(", ", Enumerable.Range(0, columns.Count).Select(n => $"c{n}"));
        return sql.Append(')').ToString();
    }
}
