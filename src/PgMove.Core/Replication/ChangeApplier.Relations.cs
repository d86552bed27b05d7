using Npgsql;
using Npgsql.Replication.PgOutput.Messages;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

internal sealed partial class ChangeApplier
{
    /// <summary>Matches a relation message with the target table: every column on both sides, the target's types.</summary>
    private async Task<TargetTable> DescribeAsync(RelationMessage relation, CancellationToken ct)
    {
        var name = new QualifiedName(relation.Namespace, relation.RelationName);
        var targetColumns = new Dictionary<string, (string Type, bool AlwaysIdentity)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(SqlResources.Get("Replication/Sql/target_columns.sql"), _target))
        {
            command.Parameters.AddWithValue("relation", name.ToString());
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    targetColumns[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                throw new SchemaDriftException(_database, name.ToString(), "the table does not exist on the target");
            }
        }

        var columns = new List<string>();
        var types = new List<string>();
        var keys = new List<bool>();
        var alwaysIdentity = new List<bool>();
        foreach (var column in relation.Columns)
        {
            if (!targetColumns.Remove(column.ColumnName, out var target))
                throw new SchemaDriftException(_database, name.ToString(), $"column \"{column.ColumnName}\" is on the source but not on the target");
            columns.Add(column.ColumnName);
            types.Add(target.Type);
            alwaysIdentity.Add(target.AlwaysIdentity);
            keys.Add((column.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0);
        }
        if (targetColumns.Count > 0)
            throw new SchemaDriftException(_database, name.ToString(), $"column \"{targetColumns.Keys.First()}\" is on the target but no longer on the source");
        var full = relation.ReplicaIdentity == RelationMessage.ReplicaIdentitySetting.AllColumns;
        return new TargetTable(name, columns, types, keys, alwaysIdentity, full);
    }
}
