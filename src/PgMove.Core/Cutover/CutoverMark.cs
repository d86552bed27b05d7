using Npgsql;
using NpgsqlTypes;

namespace PgMove.Core.Cutover;

/// <summary>
/// The point a cutover waits for in one source database: optionally the database is frozen first
/// (<see cref="SourceFreeze"/>), then a marker is written into its WAL. Once the stream or subscription has
/// confirmed the marker, the target holds every change committed before it.
/// </summary>
public static class CutoverMark
{
    public static async Task<NpgsqlLogSequenceNumber> WriteAsync(NpgsqlConnection source, string database, bool freeze, CancellationToken ct)
    {
        if (freeze)
            await SourceFreeze.FreezeAsync(source, database, ct);
        // A logical message (PostgreSQL 14+) is a WAL record of this database that the stream sees; before 14,
        // the current position serves (the stream confirms positions past it once idle).
        var sql = source.PostgreSqlVersion.Major >= 14
            ? "SELECT pg_catalog.pg_logical_emit_message(true, 'pgmove', 'cutover')"
            : "SELECT pg_catalog.pg_current_wal_lsn()";
        await using var mark = new NpgsqlCommand(sql, source);
        return (NpgsqlLogSequenceNumber)(await mark.ExecuteScalarAsync(ct))!;
    }
}
