using Npgsql;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// The event triggers that turn each DDL on a source database into a transactional logical decoding message
/// (prefix <see cref="ReplicationNames.DdlMessagePrefix"/>), so that the stream carries the change at its place
/// among the rows; or, for the subscription method, into a row of a log table (<see cref="DdlCaptureSink.Log"/>).
/// Installed after the slot is created: the copy's snapshot then does not hold them, so pg_dump never carries them
/// to the target. Named after the migration, removed with its slots and publications.
/// </summary>
public static class DdlCapture
{
    /// <summary>Logical decoding messages reach pgoutput from PostgreSQL 14 on.</summary>
    public const int MinimumMajor = 14;

    private const string SendMessage = "PERFORM pg_catalog.pg_logical_emit_message(true, {prefix}, payload);";

    // By name, not by signature: PostgreSQL 17 added a fourth argument (flush, with a default), and a check naming
    // (boolean, text, text) fails there, which silently turned the capture off on a 17 or newer server.
    private const string CanSendMessage =
        "EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.proname = 'pg_logical_emit_message' " +
        "AND p.proargtypes[2] = 'pg_catalog.text'::pg_catalog.regtype AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE'))";

    // The row is written in a block of its own: whatever happens to it, the user's DDL goes on.
    private const string SendRow =
        "BEGIN\n" +
        "            INSERT INTO {schema}.{log} (lsn, txid, payload) VALUES (pg_catalog.pg_current_wal_insert_lsn(), pg_catalog.txid_current(), payload);\n" +
        "        EXCEPTION WHEN OTHERS THEN\n" +
        "            RAISE WARNING 'PgMove could not record this DDL for the migration (%): if the migration stops on it, make the change on the target by hand', SQLERRM;\n" +
        "        END;";

    private const string CanSendRow = "pg_catalog.has_schema_privilege({schema_literal}, 'USAGE') AND pg_catalog.has_table_privilege({log_literal}, 'INSERT')";

    /// <summary>
    /// Installs the capture (replacing the triggers and function left by an earlier attempt, keeping its log) in the
    /// database <paramref name="source"/> is connected to.
    /// </summary>
    public static async Task InstallAsync(NpgsqlConnection source, string migrationId, CancellationToken ct, DdlCaptureSink sink = DdlCaptureSink.Stream)
    {
        var sql = SqlResources.Get("Replication/Ddl/Sql/install_capture.sql")
            .Replace("{log_table}", sink == DdlCaptureSink.Log ? SqlResources.Get("Replication/Ddl/Sql/capture_log.sql") : "", StringComparison.Ordinal)
            .Replace("{can_send}", sink == DdlCaptureSink.Log ? CanSendRow : CanSendMessage, StringComparison.Ordinal)
            .Replace("{send}", sink == DdlCaptureSink.Log ? SendRow : SendMessage, StringComparison.Ordinal);
        await using var transaction = await source.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(Render(sql, migrationId), source, transaction))
            await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Removes the capture and its log if they are there (and PgMove's schema on the source once it is empty).</summary>
    public static async Task RemoveAsync(NpgsqlConnection source, string migrationId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Render(SqlResources.Get("Replication/Ddl/Sql/remove_capture.sql"), migrationId), source);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The subscription method's log table on the source, quoted and schema-qualified.</summary>
    public static string LogTable(string migrationId) =>
        $"{Identifiers.Quote(ReplicationNames.BookkeepingSchema)}.{Identifiers.Quote(ReplicationNames.DdlCapture(migrationId) + "_log")}";

    private static string Render(string sql, string migrationId)
    {
        var stem = ReplicationNames.DdlCapture(migrationId);
        return sql
            .Replace("{schema_literal}", Identifiers.Literal(ReplicationNames.BookkeepingSchema), StringComparison.Ordinal)
            .Replace("{log_literal}", Identifiers.Literal(LogTable(migrationId)), StringComparison.Ordinal)
            .Replace("{schema}", Identifiers.Quote(ReplicationNames.BookkeepingSchema), StringComparison.Ordinal)
            .Replace("{function}", Identifiers.Quote(stem), StringComparison.Ordinal)
            .Replace("{log}", Identifiers.Quote(stem + "_log"), StringComparison.Ordinal)
            .Replace("{end_trigger}", Identifiers.Quote(stem + "_end"), StringComparison.Ordinal)
            .Replace("{start_trigger}", Identifiers.Quote(stem + "_start"), StringComparison.Ordinal)
            .Replace("{drop_trigger}", Identifiers.Quote(stem + "_drop"), StringComparison.Ordinal)
            .Replace("{prefix}", Identifiers.Literal(ReplicationNames.DdlMessagePrefix), StringComparison.Ordinal);
    }
}
