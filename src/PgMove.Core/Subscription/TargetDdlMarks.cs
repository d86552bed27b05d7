using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Replication;

namespace PgMove.Core.Subscription;

/// <summary>
/// Which captured DDL (<see cref="CapturedDdl"/>) has been made on the target: the log row's id, written in the same
/// target transaction as the DDL, so that a retry or a crash never runs one twice. Dropped with the subscription.
/// </summary>
internal static class TargetDdlMarks
{
    private static readonly string Schema = Identifiers.Quote(ReplicationNames.BookkeepingSchema);
    private static readonly string Table = $"{Schema}.\"ddl_applied\"";

    public static async Task EnsureAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {Schema}; " +
            $"CREATE TABLE IF NOT EXISTS {Table} (id bigint PRIMARY KEY, tag text NOT NULL, how text NOT NULL, applied_at timestamptz NOT NULL DEFAULT pg_catalog.now())", target);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The ids recorded on the target; empty when nothing was ever applied there.</summary>
    public static async Task<HashSet<long>> ReadAsync(NpgsqlConnection target, CancellationToken ct)
    {
        var ids = new HashSet<long>();
        await using (var exists = new NpgsqlCommand("SELECT pg_catalog.to_regclass(@name) IS NOT NULL", target))
        {
            exists.Parameters.AddWithValue("name", Table);
            if (await exists.ExecuteScalarAsync(ct) is not true)
                return ids;
        }
        await using var command = new NpgsqlCommand($"SELECT id FROM {Table}", target);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    public static NpgsqlBatchCommand Write(long id, string tag, string how) => new($"INSERT INTO {Table} (id, tag, how) VALUES ($1, $2, $3)")
    {
        Parameters = { new NpgsqlParameter { Value = id }, new NpgsqlParameter { Value = tag }, new NpgsqlParameter { Value = how } },
    };

    /// <summary>What to run on the target to record a change made there by hand.</summary>
    public static string ByHandSql(long id, string tag) =>
        $"INSERT INTO {Table} (id, tag, how) VALUES ({id}, {Identifiers.Literal(tag)}, 'by hand')";

    /// <summary>The marks go with the rest of PgMove's objects (the schema, when nothing else is in it).</summary>
    public static async Task DropAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"DROP TABLE IF EXISTS {Table}; " +
            $"DO $pgmove$ BEGIN DROP SCHEMA IF EXISTS {Schema}; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $pgmove$", target);
        await command.ExecuteNonQueryAsync(ct);
    }
}
