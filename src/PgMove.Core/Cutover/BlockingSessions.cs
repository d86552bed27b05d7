using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Core.Cutover;

/// <summary>
/// What the source's pg_stat_activity says of the backends that held a switch's pause (PgBouncer names their server
/// pids): who, in what state, and how long their transaction has run, so that the DBA knows which one to end. Never
/// the query text: it may hold a literal password (ALTER ROLE … PASSWORD).
/// </summary>
internal static class BlockingSessions
{
    public static async Task<string> DescribeAsync(ConnectionSpec source, IReadOnlyList<int> pids, CancellationToken ct)
    {
        if (pids.Count == 0)
            return "";
        try
        {
            await using var connection = await PgConnector.OpenAsync(source, "source", ct, tune: WritableSession.Tune);
            await using var command = new NpgsqlCommand(
                "SELECT pid, coalesce(usename::text, ''), coalesce(datname::text, ''), coalesce(state, ''), " +
                "coalesce(extract(epoch FROM pg_catalog.now() - xact_start)::int, 0) " +
                "FROM pg_catalog.pg_stat_activity WHERE pid = ANY (@pids) ORDER BY xact_start", connection);
            command.Parameters.AddWithValue("pids", pids.ToArray());
            var sessions = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                sessions.Add($"pid {reader.GetInt32(0)} ({reader.GetString(1)} on {reader.GetString(2)}, {reader.GetString(3)}, transaction open {reader.GetInt32(4)} s)");
            return sessions.Count == 0 ? "" : $" On the source, pg_stat_activity shows: {string.Join("; ", sessions)}.";
        }
        catch (Exception error) when (error is Errors.PgMoveException or NpgsqlException)
        {
            return ""; // the pause's own message names them already; the source may be unreachable
        }
    }
}
