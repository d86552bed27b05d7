using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;

namespace PgMove.Core.Cutover;

/// <summary>
/// The point a cutover waits for in one source database: optionally the database is frozen first (read-only for
/// new transactions, open sessions other than PgMove's ended), then a marker is written into its WAL. Once the
/// stream or subscription has confirmed the marker, the target holds every change committed before it.
/// </summary>
public static class CutoverMark
{
    public static async Task<NpgsqlLogSequenceNumber> WriteAsync(NpgsqlConnection source, string database, bool freeze, CancellationToken ct)
    {
        if (freeze)
        {
            await using (var readOnly = new NpgsqlCommand($"ALTER DATABASE {Identifiers.Quote(database)} SET default_transaction_read_only = on", source))
                await readOnly.ExecuteNonQueryAsync(ct);
            await using var kick = new NpgsqlCommand(
                "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = @db AND pid <> pg_catalog.pg_backend_pid() " +
                "AND backend_type = 'client backend' AND application_name <> 'pgmove'", source);
            kick.Parameters.AddWithValue("db", database);
            await kick.ExecuteNonQueryAsync(ct);
        }
        // A logical message (PostgreSQL 14+) is a WAL record of this database that the stream sees; before 14,
        // the current position serves (the stream confirms positions past it once idle).
        var sql = source.PostgreSqlVersion.Major >= 14
            ? "SELECT pg_catalog.pg_logical_emit_message(true, 'pgmove', 'cutover')"
            : "SELECT pg_catalog.pg_current_wal_lsn()";
        await using var mark = new NpgsqlCommand(sql, source);
        return (NpgsqlLogSequenceNumber)(await mark.ExecuteScalarAsync(ct))!;
    }
}
