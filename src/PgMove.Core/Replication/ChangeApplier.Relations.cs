using Npgsql;
using Npgsql.Replication.PgOutput.Messages;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

internal sealed partial class ChangeApplier
{
    /// <summary>Types with OIDs below this are built in: the same OID names the same type on the target.</summary>
    private const uint FirstNormalObjectId = 16384;

    /// <summary>
    /// Matches a relation message with the target table: every column of the source must be on the target (with the
    /// target's types). A target column the source does not send is left to its default when the target can do
    /// without it (nullable, a default, an identity) and the source did not just drop it: that is the state after
    /// the user added the source's new column on the target first, which must not stop anything.
    /// </summary>
    /// <param name="previous">This relation's description earlier in this stream, if any.</param>
    private async Task<(TargetTable? Table, RelationDrift? Drift)> DescribeAsync(RelationMessage relation, TargetTable? previous, CancellationToken ct)
    {
        var name = new QualifiedName(relation.Namespace, relation.RelationName);
        var quoted = name.ToString();
        var targetColumns = new Dictionary<string, (string Type, bool AlwaysIdentity, bool Optional)>(StringComparer.Ordinal);
        var exists = false;
        await using (var command = new NpgsqlCommand(SqlResources.Get("Replication/Sql/target_columns.sql"), _target))
        {
            command.Parameters.AddWithValue("relation", quoted);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                exists = reader.GetBoolean(4);
                if (!reader.IsDBNull(0))
                    targetColumns[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3));
            }
        }
        if (!exists)
            return (null, Drift("the table does not exist on the target", $"CREATE TABLE {quoted} (...) with the same definition as on the source", resolvable: false));

        var columns = new List<string>();
        var types = new List<string>();
        var keys = new List<bool>();
        var alwaysIdentity = new List<bool>();
        var dropped = new bool[relation.Columns.Count];
        var missing = new List<RelationMessage.Column>();
        for (var i = 0; i < relation.Columns.Count; i++)
        {
            var column = relation.Columns[i];
            if (!targetColumns.Remove(column.ColumnName, out var target))
            {
                dropped[i] = true;
                missing.Add(column);
                continue;
            }
            columns.Add(column.ColumnName);
            types.Add(target.Type);
            alwaysIdentity.Add(target.AlwaysIdentity);
            keys.Add((column.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0);
        }
        // Target columns the source does not send: harmless unless a row needs them, or the source dropped them.
        var extra = targetColumns.Where(c => !c.Value.Optional || previous?.Columns.Contains(c.Key) == true).Select(c => c.Key).ToList();

        var problems = new List<string>();
        var actions = new List<string>();
        foreach (var column in missing)
        {
            problems.Add($"column \"{column.ColumnName}\" is on the source but not on the target");
            actions.Add($"ADD COLUMN {Identifiers.Quote(column.ColumnName)} {await TypeNameAsync(column, ct)}");
        }
        foreach (var column in extra)
        {
            problems.Add(previous?.Columns.Contains(column) == true
                ? $"column \"{column}\" was dropped on the source"
                : $"column \"{column}\" is on the target but not on the source, and the target needs a value for it");
            actions.Add($"DROP COLUMN {Identifiers.Quote(column)}");
        }
        var full = relation.ReplicaIdentity == RelationMessage.ReplicaIdentitySetting.AllColumns;
        var table = new TargetTable(name, columns, types, keys, alwaysIdentity, full, missing.Count > 0 ? dropped : null);
        if (problems.Count == 0)
            return (table, null);
        var drift = Drift(string.Join("; ", problems), $"ALTER TABLE {quoted} {string.Join(", ", actions)};", resolvable: extra.Count == 0);
        return (drift.Resolvable ? table : null, drift);

        RelationDrift Drift(string what, string statement, bool resolvable) =>
            new(new SchemaDriftException(_database, quoted, what, statement), resolvable);
    }

    /// <summary>The column's type as the fix should spell it: named by the target for a built-in type.</summary>
    private async Task<string> TypeNameAsync(RelationMessage.Column column, CancellationToken ct)
    {
        if (column.DataTypeId >= FirstNormalObjectId)
            return "<its type on the source>";
        await using var command = new NpgsqlCommand("SELECT pg_catalog.format_type(@type, @modifier)", _target);
        command.Parameters.AddWithValue("type", NpgsqlTypes.NpgsqlDbType.Oid, column.DataTypeId);
        command.Parameters.AddWithValue("modifier", column.TypeModifier);
        return await command.ExecuteScalarAsync(ct) as string ?? "<its type on the source>";
    }
}
