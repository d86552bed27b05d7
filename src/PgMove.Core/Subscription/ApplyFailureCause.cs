using Npgsql;
using PgMove.Core.Catalog;

namespace PgMove.Core.Subscription;

/// <summary>
/// Why the apply worker cannot apply a change to a table, read from both catalogs (the error text itself is only in
/// the target's server log): the table or a column missing on the target (DDL run on the source during the
/// migration), a replica identity the target cannot use. Null when the tables look sound: then it is the data.
/// </summary>
internal static class ApplyFailureCause
{
    public static async Task<(string Cause, string Fix)?> FindAsync(NpgsqlConnection source, NpgsqlConnection target,
        IReadOnlyList<(string Schema, string Name)> tables, CancellationToken ct)
    {
        List<(string Table, string Column, string Type)>? equalityless = null;
        foreach (var (schema, name) in tables)
        {
            var table = $"{Identifiers.Quote(schema)}.{Identifiers.Quote(name)}";
            var onSource = await ReadShapeAsync(source, schema, name, ct);
            var onTarget = await ReadShapeAsync(target, schema, name, ct);
            if (onTarget is null)
                return ($"table {table} does not exist on the target: it was created on the source during the migration (the subscription method does not carry DDL)",
                    $"create {table} on the target with the same definition as on the source, then run pgmove start to resume");
            if (onSource is null)
                continue; // dropped on the source since: nothing to compare
            var missing = onSource.Value.Columns.Except(onTarget.Value.Columns, StringComparer.Ordinal).Select(Identifiers.Quote).ToList();
            if (missing.Count > 0)
                return ($"{(missing.Count == 1 ? "column" : "columns")} {string.Join(", ", missing)} of table {table} {(missing.Count == 1 ? "is" : "are")} missing on the target: " +
                        "the table was altered on the source during the migration (the subscription method does not carry DDL)",
                    $"run the same ALTER TABLE {table} on the target (add {string.Join(", ", missing)} with the source's types), then run pgmove start to resume");
            if (onSource.Value.Identity == "f")
            {
                equalityless ??= await ReadEqualitylessAsync(source, ct);
                var columns = equalityless.Where(c => c.Table == table).Select(c => $"{Identifiers.Quote(c.Column)} ({c.Type})").ToList();
                if (columns.Count > 0)
                    return ($"table {table} has REPLICA IDENTITY FULL and its {(columns.Count == 1 ? "column" : "columns")} {string.Join(", ", columns)} {(columns.Count == 1 ? "has a type" : "have types")} " +
                            "without an equality operator, so the target cannot find the row of an UPDATE or DELETE",
                        $"give {table} a primary key or a replica identity index on the source and the target, then run pgmove start to resume; or stop and use --method relay");
            }
            else if (!onTarget.Value.Keyed && !(onTarget.Value.Identity == "f"))
                return ($"table {table} has no primary key or replica identity index on the target, so the target cannot find the row of an UPDATE or DELETE (its key was dropped or changed there, or on the source during the migration)",
                    $"give {table} on the target the same primary key (or replica identity index) as on the source, then run pgmove start to resume");
        }
        return null;
    }

    private static async Task<(string Identity, bool Keyed, string[] Columns)?> ReadShapeAsync(NpgsqlConnection connection, string schema, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/table_shape.sql"), connection);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return (reader.GetString(0), reader.GetBoolean(1), reader.GetFieldValue<string[]>(2));
    }

    private static async Task<List<(string Table, string Column, string Type)>> ReadEqualitylessAsync(NpgsqlConnection source, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/replica_identity_without_equality.sql"), source);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = new List<(string Table, string Column, string Type)>();
        while (await reader.ReadAsync(ct))
            columns.Add(($"{Identifiers.Quote(reader.GetString(0))}.{Identifiers.Quote(reader.GetString(1))}", reader.GetString(2), reader.GetString(3)));
        return columns;
    }
}
