using System.Diagnostics;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Schema;

namespace PgMove.Core.Switch;

/// <summary>
/// Runs one command on PgBouncer's admin console through psql. The console speaks only the simple query protocol,
/// and Npgsql sends every command with the extended one (Parse/Bind/Execute: PgBouncer answers "unsupported pkt
/// type: 80", npgsql/npgsql#3294); psql, which PgMove already needs beside pg_dump, uses the simple protocol and
/// handles TLS, SCRAM and md5 the libpq way. Each command is its own short session: PgBouncer keeps a PAUSE after
/// the session that asked for it is gone, so nothing needs to stay open between steps.
/// </summary>
internal static class PgBouncerConsole
{
    private const char FieldSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    /// <summary>Runs <paramref name="command"/>; returns its rows as column → value (NULL as empty).</summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> QueryAsync(ConnectionSpec admin, string command, CancellationToken ct)
    {
        var output = await RunAsync(admin, command, ct);
        var records = output.Split(RecordSeparator, StringSplitOptions.None).Select(r => r.TrimEnd('\n')).Where(r => r.Length > 0).ToList();
        if (records.Count == 0)
            return [];
        var columns = records[0].Split(FieldSeparator);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var record in records.Skip(1))
        {
            var fields = record.Split(FieldSeparator);
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Length; i++)
                row[columns[i]] = i < fields.Length ? fields[i] : "";
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Runs a command that returns no rows (PAUSE, RESUME, RELOAD). Cancelling kills psql, which closes its session.</summary>
    public static async Task ExecuteAsync(ConnectionSpec admin, string command, CancellationToken ct) => await RunAsync(admin, command, ct);

    private static async Task<string> RunAsync(ConnectionSpec admin, string command, CancellationToken ct)
    {
        // -X: no ~/.psqlrc (it could run SQL the console refuses); unaligned output with separators no value holds.
        string[] arguments = ["-X", "-q", "-A", "-v", "ON_ERROR_STOP=1", "-P", "footer=off", "-F", FieldSeparator.ToString(), "-R", RecordSeparator.ToString(), "-c", command];
        int exitCode;
        string stdout, stderr;
        try
        {
            (exitCode, stdout, stderr) = await LibpqProcess.RunAsync(await PsqlAsync(ct), arguments, admin, ct);
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new PgMoveException("pgbouncer.psql_missing", $"psql could not be started to reach PgBouncer's admin console ({error.Message}).",
                "Install PostgreSQL's client programs (psql, beside pg_dump) or point --pg-bin at them.");
        }
        if (exitCode != 0)
            throw new PgBouncerCommandException(command, admin, Redact(stderr, admin.Password).Trim());
        return stdout;
    }

    private static async Task<string> PsqlAsync(CancellationToken ct)
    {
        foreach (var toolset in await PgToolLocator.FindAllAsync(null, ct))
        {
            var psql = Path.Combine(toolset.BinDirectory, "psql");
            if (File.Exists(psql))
                return psql;
        }
        return "psql";
    }

    private static string Redact(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "****", StringComparison.Ordinal);
}
