using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace PgMove.Core.Replication;

/// <summary>
/// One SQL statement per source change, in the change's own order: the exact way, used for what cannot be
/// applied as a set (a changed key, FULL identity, TRUNCATE) and to apply a group again when the set way failed.
/// </summary>
internal static class RowStatements
{
    /// <summary>The statement for a change, or null when it writes nothing (an UPDATE of unchanged TOAST values only).</summary>
    public static NpgsqlBatchCommand? For(SourceChange change) => change switch
    {
        RowChange { Kind: RowChangeKind.Insert } insert => Insert(insert.Table, insert.New!),
        RowChange { Kind: RowChangeKind.Update } update => Update(update.Table, update.Old, update.New!),
        RowChange { Kind: RowChangeKind.Delete } delete => Delete(delete.Table, delete.Old!),
        TruncateChange truncate => Truncate(truncate),
        _ => throw new InvalidOperationException($"Unknown change {change.GetType().Name}."),
    };

    private static NpgsqlBatchCommand Insert(TargetTable table, ColumnValue[] values)
    {
        var sql = new StringBuilder($"INSERT INTO {table.Name} (");
        var command = new NpgsqlBatchCommand();
        for (var i = 0; i < values.Length; i++)
            sql.Append(i == 0 ? "" : ", ").Append(table.Column(i));
        sql.Append(") OVERRIDING SYSTEM VALUE VALUES (");
        for (var i = 0; i < values.Length; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(table.Param(i, i + 1));
            command.Parameters.Add(Text(values[i].Value));
        }
        command.CommandText = sql.Append(')').ToString();
        return command;
    }

    private static NpgsqlBatchCommand? Update(TargetTable table, ColumnValue[]? old, ColumnValue[] values)
    {
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder($"UPDATE {table.Name} SET ");
        var position = 0;
        var first = true;
        for (var i = 0; i < values.Length; i++)
        {
            // An unchanged TOAST value was not sent: leave the target's value as it is.
            // A GENERATED ALWAYS identity cannot be SET, and cannot have changed on the source.
            if (values[i].Unchanged || table.IsAlwaysIdentity[i])
                continue;
            sql.Append(first ? "" : ", ").Append(table.Column(i)).Append(" = ").Append(table.Param(i, ++position));
            command.Parameters.Add(Text(values[i].Value));
            first = false;
        }
        if (first)
            return null;
        AppendWhere(sql, command, table, old ?? values, ref position);
        command.CommandText = sql.ToString();
        return command;
    }

    private static NpgsqlBatchCommand Delete(TargetTable table, ColumnValue[] old)
    {
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder($"DELETE FROM {table.Name}");
        var position = 0;
        AppendWhere(sql, command, table, old, ref position);
        command.CommandText = sql.ToString();
        return command;
    }

    private static NpgsqlBatchCommand Truncate(TruncateChange truncate)
    {
        var names = string.Join(", ", truncate.Tables.Select(t => t.Name.ToString()));
        return new NpgsqlBatchCommand($"TRUNCATE {names}{(truncate.RestartIdentity ? " RESTART IDENTITY" : "")}{(truncate.Cascade ? " CASCADE" : "")}");
    }

    /// <summary>WHERE on the key columns, or on every column (as text, so that types without equality work) for REPLICA IDENTITY FULL.</summary>
    private static void AppendWhere(StringBuilder sql, NpgsqlBatchCommand command, TargetTable table, ColumnValue[] row, ref int position)
    {
        var conditions = new List<string>();
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i].Unchanged || (!table.FullIdentity && !table.IsKey[i]))
                continue;
            if (row[i].Value is null)
            {
                conditions.Add($"{table.Column(i)} IS NULL");
                continue;
            }
            command.Parameters.Add(Text(row[i].Value));
            conditions.Add(table.FullIdentity
                ? $"{table.Column(i)}::text = (${++position}::{table.Types[i]})::text"
                : $"{table.Column(i)} = {table.Param(i, ++position)}");
        }
        var where = string.Join(" AND ", conditions);
        // With FULL identity duplicates are possible: touch exactly one of them, as PostgreSQL's own apply does.
        sql.Append(table.FullIdentity
            ? $" WHERE ctid = (SELECT ctid FROM {table.Name} WHERE {where} LIMIT 1)"
            : $" WHERE {where}");
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown };
}
