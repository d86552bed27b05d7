using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Schema;

namespace PgMove.Core.Subscription;

/// <summary>
/// Splits a schema dump's post-data in two: the primary keys and replica-identity indexes the apply needs
/// (restored before the initial sync), and the rest — secondary indexes, foreign keys, triggers — restored
/// once every table is synchronised, so that the initial copy does not maintain them row by row.
/// Entries are told apart by the (catalog oid, object oid) pg_restore --list prints for each.
/// </summary>
internal static partial class PostDataSplit
{
    [GeneratedRegex(@"^\s*\d+;\s+(\d+)\s+(\d+)\s")]
    private static partial Regex TocEntry();

    /// <summary>PgMove's DDL capture on the source, in a dump made after it was installed (a resumed run): never restored.</summary>
    [GeneratedRegex(@"^\s*\d+;\s+\d+\s+\d+\s+EVENT TRIGGER - pgmove_")]
    private static partial Regex PgMoveCapture();

    /// <summary>Writes the two pg_restore --use-list files; returns their paths (keys, rest).</summary>
    public static async Task<(string Keys, string Others)> WriteListsAsync(PgToolset tools, SchemaDump dump, NpgsqlConnection source, string workDirectory, CancellationToken ct)
    {
        var keys = new HashSet<(long, long)>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/apply_keys.sql"), source))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                keys.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        var toc = await PgToolRunner.RunAsync(tools.PgRestore, ["--list", dump.File], LocalOnly, "listing the schema dump", ct);
        var keyLines = new List<string>();
        var restLines = new List<string>();
        foreach (var line in toc.Split('\n'))
        {
            if (line.StartsWith(';') || string.IsNullOrWhiteSpace(line) || PgMoveCapture().IsMatch(line))
                continue;
            var match = TocEntry().Match(line);
            var isKey = match.Success && keys.Contains((long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)));
            (isKey ? keyLines : restLines).Add(line);
        }
        var keysFile = Path.Combine(workDirectory, "keys.list");
        var restFile = Path.Combine(workDirectory, "rest.list");
        await File.WriteAllLinesAsync(keysFile, keyLines, ct);
        await File.WriteAllLinesAsync(restFile, restLines, ct);
        return (keysFile, restFile);
    }

    /// <summary>Restores the post-data entries of one list file.</summary>
    public static async Task RestoreAsync(PgToolset tools, SchemaDump dump, string listFile, ConnectionSpec target, string database, int jobs, bool noOwner, string what, CancellationToken ct)
    {
        var arguments = new List<string> { "--section=post-data", "--exit-on-error", "--use-list", listFile, "--dbname", Conninfo.ForDatabase(database) };
        if (jobs > 1)
            arguments.Add($"--jobs={jobs}");
        if (noOwner)
            arguments.AddRange(["--no-owner", "--no-acl"]);
        arguments.Add(dump.File);
        await PgToolRunner.RunAsync(tools.PgRestore, arguments, target.WithDatabase(database), $"database {database}: restoring {what}", ct);
    }

    /// <summary>pg_restore --list reads only the file; it still gets a connection spec, one without secrets.</summary>
    private static ConnectionSpec LocalOnly => new() { Host = "localhost", Database = "postgres", Username = "postgres", SslMode = Connections.TlsMode.Disable };
}
