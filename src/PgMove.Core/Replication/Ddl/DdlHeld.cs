using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// DDL events the stream stopped at because they cannot be repeated safely, kept on the target in PgMove's
/// bookkeeping schema: the user makes the change on the target by hand, and the resumed stream passes the
/// event (once: the row is deleted in the same transaction as the changes that follow it).
/// </summary>
internal static class DdlHeld
{
    private static readonly string Table = $"{Identifiers.Quote(ReplicationNames.BookkeepingSchema)}.\"ddl_held\"";

    public static async Task AddAsync(NpgsqlConnection target, string slot, NpgsqlLogSequenceNumber lsn, string statement, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {Identifiers.Quote(ReplicationNames.BookkeepingSchema)}; " +
            $"CREATE TABLE IF NOT EXISTS {Table} (slot text NOT NULL, lsn pg_catalog.pg_lsn NOT NULL, statement text NOT NULL, held_at timestamptz NOT NULL DEFAULT pg_catalog.now(), PRIMARY KEY (slot, lsn)); " +
            $"INSERT INTO {Table} (slot, lsn, statement) VALUES (@slot, @lsn, @statement) ON CONFLICT (slot, lsn) DO NOTHING", target);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("lsn", NpgsqlDbType.PgLsn, lsn);
        command.Parameters.AddWithValue("statement", statement);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether the event at <paramref name="lsn"/> was held (and so made on the target by the user). Safe inside the apply transaction.</summary>
    public static async Task<bool> IsHeldAsync(NpgsqlConnection target, string slot, NpgsqlLogSequenceNumber lsn, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand($"SELECT pg_catalog.to_regclass({Identifiers.Literal(Table)}) IS NOT NULL", target))
        {
            if (await exists.ExecuteScalarAsync(ct) is not true)
                return false;
        }
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM {Table} WHERE slot = @slot AND lsn = @lsn)", target);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("lsn", NpgsqlDbType.PgLsn, lsn);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>A command for the apply transaction: the held event is passed for good.</summary>
    public static NpgsqlBatchCommand Release(string slot, NpgsqlLogSequenceNumber lsn)
    {
        var command = new NpgsqlBatchCommand($"DELETE FROM {Table} WHERE slot = $1 AND lsn = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        command.Parameters.Add(new NpgsqlParameter { Value = lsn, NpgsqlDbType = NpgsqlDbType.PgLsn });
        return command;
    }
}
