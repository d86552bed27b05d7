using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

/// <summary>
/// The end LSN of the last source transaction applied to a target database, kept in that database and
/// written in the same transaction as the changes: after a crash the target itself says where to resume.
/// </summary>
public static class AppliedPosition
{
    private static readonly string Table = $"{Identifiers.Quote(ReplicationNames.BookkeepingSchema)}.\"applied\"";

    public static async Task EnsureAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"CREATE SCHEMA IF NOT EXISTS {Identifiers.Quote(ReplicationNames.BookkeepingSchema)}; " +
            $"CREATE TABLE IF NOT EXISTS {Table} (slot text PRIMARY KEY, end_lsn pg_catalog.pg_lsn NOT NULL, applied_at timestamptz NOT NULL DEFAULT pg_catalog.now())", target);
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<NpgsqlLogSequenceNumber?> ReadAsync(NpgsqlConnection target, string slot, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT end_lsn FROM {Table} WHERE slot = @slot", target);
        command.Parameters.AddWithValue("slot", slot);
        try
        {
            return await command.ExecuteScalarAsync(ct) is NpgsqlLogSequenceNumber lsn ? lsn : null;
        }
        catch (PostgresException error) when (error.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
    }

    /// <summary>A command to add to the apply transaction.</summary>
    public static NpgsqlBatchCommand Write(string slot, NpgsqlLogSequenceNumber endLsn)
    {
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO {Table} (slot, end_lsn) VALUES ($1, $2) ON CONFLICT (slot) DO UPDATE SET end_lsn = EXCLUDED.end_lsn, applied_at = pg_catalog.now()");
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        command.Parameters.Add(new NpgsqlParameter { Value = endLsn, NpgsqlDbType = NpgsqlDbType.PgLsn });
        return command;
    }

    /// <summary>
    /// Drops the stream's bookkeeping on a target (the applied positions, DDL events held), and PgMove's schema once
    /// nothing else is in it. Not the whole schema: after a cutover with fallback the new server also holds the DDL
    /// capture of the stream the other way, made at the switch, just before this cleanup runs.
    /// </summary>
    public static async Task DropAsync(NpgsqlConnection target, CancellationToken ct)
    {
        var schema = Identifiers.Quote(ReplicationNames.BookkeepingSchema);
        var name = Identifiers.Literal(ReplicationNames.BookkeepingSchema);
        await using var command = new NpgsqlCommand(
            $"DROP TABLE IF EXISTS {Table}, {schema}.\"ddl_held\"; " +
            "DO $pgmove$ BEGIN " +
            $"IF EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname = {name}) " +
            "AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_namespace n ON d.refobjid = n.oid " +
            $"WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND n.nspname = {name}) THEN " +
            $"DROP SCHEMA {schema}; END IF; END $pgmove$", target);
        await command.ExecuteNonQueryAsync(ct);
    }
}
