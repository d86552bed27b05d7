using System.Text;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Schema;

/// <summary>
/// Runs pg_dump, pg_dumpall and pg_restore. Connection details (the password included) travel in the
/// child's environment, never in its arguments, which every user of the machine can read in /proc.
/// </summary>
public static class PgToolRunner
{
    public static async Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, ConnectionSpec connection, string what, CancellationToken ct)
    {
        int exitCode;
        string stdout, stderr;
        try
        {
            (exitCode, stdout, stderr) = await LibpqProcess.RunAsync(tool, arguments, connection, ct);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PgMoveException("tools.start_failed", $"{what}: {Path.GetFileName(tool)} could not be started.", "Check --pg-bin.");
        }
        var errors = Redact(stderr, connection.Password);
        if (exitCode != 0 && LostConnection(errors))
            throw new PgMoveException("tools.connection_lost",
                $"{what}: {Path.GetFileName(tool)} lost its connection to the server (exit {exitCode}): {Tail(errors)}",
                "Check that both servers are up and reachable; PgMove retries this step by itself.");
        if (exitCode != 0)
            throw new PgMoveException("tools.failed",
                $"{what}: {Path.GetFileName(tool)} failed (exit {exitCode}): {Tail(errors)}",
                "Read the message above; fix the object it names on the source or target and run the command again.");
        return stdout;
    }

    /// <summary>libpq's words for a connection that broke or could not be made: worth another try, unlike a refused object.</summary>
    private static readonly string[] ConnectionLostMarkers =
    [
        "server closed the connection unexpectedly", "could not receive data from server", "could not send data to server",
        "connection to server", "SSL SYSCALL error", "SSL error", "terminating connection due to", "the database system is shutting down",
        "the database system is starting up", "the database system is in recovery mode", "no connection to the server", "lost synchronization with server",
        "connection not open", "Connection reset by peer",
    ];

    private static bool LostConnection(string errors) =>
        ConnectionLostMarkers.Any(marker => errors.Contains(marker, StringComparison.Ordinal));

    private static string Redact(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "****", StringComparison.Ordinal);

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var builder = new StringBuilder();
        foreach (var line in lines.TakeLast(8))
            builder.Append(line).Append(' ');
        return builder.ToString().Trim();
    }
}
