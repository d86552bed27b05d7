using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Subscription;

/// <summary>
/// One DDL the subscription method's capture logged on the source (<see cref="DdlCaptureSink.Log"/>): its row id
/// (the key recorded on the target once applied), the source's WAL position when it ran, and what it was.
/// </summary>
internal sealed record CapturedDdl(long Id, NpgsqlLogSequenceNumber Lsn, DdlEvent Event)
{
    /// <summary>Whether this migration's log is in the source database (none when the capture could not be installed).</summary>
    public static async Task<bool> LogExistsAsync(NpgsqlConnection source, string migrationId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.to_regclass(@name) IS NOT NULL", source);
        command.Parameters.AddWithValue("name", DdlCapture.LogTable(migrationId));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Every logged DDL, in the order the source ran them; empty when there is no log.</summary>
    public static async Task<List<CapturedDdl>> ReadAsync(NpgsqlConnection source, string migrationId, CancellationToken ct)
    {
        var captured = new List<CapturedDdl>();
        if (!await LogExistsAsync(source, migrationId, ct))
            return captured;
        await using var command = new NpgsqlCommand($"SELECT id, lsn, payload FROM {DdlCapture.LogTable(migrationId)} ORDER BY lsn, id", source);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            captured.Add(new CapturedDdl(reader.GetInt64(0), reader.GetFieldValue<NpgsqlLogSequenceNumber>(1),
                DdlEvent.Parse(System.Text.Encoding.UTF8.GetBytes(reader.GetString(2)))));
        return captured;
    }
}
