using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Replication;

/// <summary>
/// ALTER TABLE … ADD COLUMN with a default that is computed, not a constant. Rows that existed at the ALTER get
/// their value on each side, and the stream never carries it: a stable default (now(), current_date) is computed
/// once and kept as the column's missing value, so the target's differs from the source's; a volatile one
/// (gen_random_uuid(), clock_timestamp(), an identity) rewrites the table with a value per row. The first is
/// mended in the apply transaction, right after the DDL, with the source's missing value (the table's rows then
/// are exactly those that existed at the source's ALTER, the stream being applied in order); the second stops
/// the database, naming the column.
/// </summary>
internal sealed partial class ChangeApplier
{
    private const string TablePrefix = "table ";

    /// <summary>Where to read the source's missing values (null: not read; no such mending).</summary>
    private readonly ConnectionSpec? _source;

    /// <summary>The tables an ALTER TABLE may add columns to, with their last column number before it runs; null when none.</summary>
    private async Task<(uint[] Relations, int[] Last)?> ColumnsBeforeAlterAsync(DdlEvent ddl, CancellationToken ct)
    {
        if (ddl.Tag != "ALTER TABLE")
            return null;
        var tables = ddl.Objects.Where(o => o.StartsWith(TablePrefix, StringComparison.Ordinal) && !o.EndsWith(" (dropped)", StringComparison.Ordinal))
            .Select(o => o[TablePrefix.Length..]).ToArray();
        if (tables.Length == 0)
            return null;
        await ExecuteOpenAsync(ct); // the transaction is open on the target: the query sees what the group wrote
        var relations = new List<uint>();
        var last = new List<int>();
        await using var command = new NpgsqlCommand(SqlResources.Get("Replication/Ddl/Sql/columns_before_alter.sql"), _target);
        command.Parameters.AddWithValue("tables", tables);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            relations.Add(reader.GetFieldValue<uint>(0));
            last.Add(reader.IsDBNull(1) ? 0 : reader.GetInt32(1));
        }
        return relations.Count == 0 ? null : (relations.ToArray(), last.ToArray());
    }

    /// <summary>
    /// After the DDL ran in the open group: the added columns' existing rows get the source's value, or the
    /// returned error says why they cannot (the caller stops the database before this source transaction).
    /// </summary>
    private async Task<PgMoveException?> MendAddedColumnsAsync(DdlEvent ddl, NpgsqlLogSequenceNumber lsn, (uint[] Relations, int[] Last) before, CancellationToken ct)
    {
        var added = new List<(string Table, string Column, string Type, bool Missing)>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Replication/Ddl/Sql/columns_added.sql"), _target))
        {
            command.Parameters.AddWithValue("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid, before.Relations);
            command.Parameters.AddWithValue("last", before.Last);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                // A plain constant is the same value on both sides, missing value or rewrite alike.
                if (reader.GetBoolean(4))
                    added.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }
        if (added.Count == 0)
            return null;
        NpgsqlConnection? source = null;
        try
        {
            foreach (var (table, column, type, missing) in added)
            {
                if (!missing)
                {
                    // Values in the rows: the table was rewritten (a volatile default, an identity).
                    await using (var valued = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM ONLY {table} WHERE {Identifiers.Quote(column)} IS NOT NULL)", _target))
                    {
                        if (await valued.ExecuteScalarAsync(ct) is true)
                            return PerRowValues(ddl, lsn, table, column, "its default is volatile (or an identity), so the source gave each existing row a value of its own, which logical replication does not carry");
                    }
                    // Else the table is empty (nothing to differ), or the default computed NULL here once (PostgreSQL
                    // keeps no NULL missing value), where the source may have computed a value.
                    await using var rows = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM ONLY {table})", _target);
                    if (await rows.ExecuteScalarAsync(ct) is not true)
                        continue;
                }
                if (_source is null)
                    continue;
                source ??= await PgConnector.OpenAsync(_source, "source", ct);
                var (found, sourceMissing) = await SourceMissingValueAsync(source, table, column, ct);
                if (!found)
                    continue; // gone on the source since: the stream carries its drop, and its values do not matter
                if (sourceMissing is null && !missing)
                    continue; // NULL on the source too (a rewrite since cannot be told from it: taken as NULL)
                if (sourceMissing is null)
                    return PerRowValues(ddl, lsn, table, column, "its default is computed (not a constant), and the source has rewritten the table since, so the value its existing rows got at the ALTER can no longer be read");
                // Compared as text: the target's missing value and the source's, both in the column's type.
                await using var update = new NpgsqlCommand(
                    $"UPDATE ONLY {table} SET {Identifiers.Quote(column)} = (@value::text::{type}[])[1] WHERE {Identifiers.Quote(column)}::text IS DISTINCT FROM (@value::text::{type}[])[1]::text", _target);
                update.Parameters.AddWithValue("value", sourceMissing);
                var mended = await update.ExecuteNonQueryAsync(ct);
                if (mended > 0)
                    _logger.DdlAddedColumnMended(_database, table, column, mended);
            }
            return null;
        }
        finally
        {
            if (source is not null)
                await source.DisposeAsync();
        }
    }

    /// <summary>Whether the source has the column, and its missing value (null if it has none).</summary>
    private static async Task<(bool Found, string? Missing)> SourceMissingValueAsync(NpgsqlConnection source, string table, string column, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Replication/Ddl/Sql/source_missing_value.sql"), source);
        command.Parameters.AddWithValue("table", table);
        command.Parameters.AddWithValue("column", column);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return (false, null);
        return (true, reader.GetBoolean(0) && !reader.IsDBNull(1) ? reader.GetString(1) : null);
    }

    private PgMoveException PerRowValues(DdlEvent ddl, NpgsqlLogSequenceNumber lsn, string table, string column, string why) =>
        new("replication.ddl_added_column_values",
            $"database {_database}: the source ran DDL whose effect on existing rows PgMove cannot repeat: it added column {Identifiers.Quote(column)} to table {table} holding rows, and {why}. The statement ({ddl.Tag}, at source LSN {lsn}): {ddl.Query.Trim()} — streaming stopped for this database before that source transaction (everything before it is applied).",
            $"Make the change on the target by hand, in database {_database}, with the source's values for the rows that exist: add the column (with the same default), then copy that column's values from the source for the existing rows (by key), then pgmove start: streaming resumes at that transaction and takes the change as made. To avoid it next time, add such a column with a constant default (or none), fill it with UPDATE, then ALTER COLUMN … SET DEFAULT.");
}
