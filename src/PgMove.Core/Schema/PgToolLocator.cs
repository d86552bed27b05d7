using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PgMove.Core.Schema;

/// <summary>
/// Finds PostgreSQL's client tools. pg_dump refuses a server newer than itself, so the newest toolset wins:
/// the one in <c>--pg-bin</c> if given, else the newest on PATH or in /usr/lib/postgresql/*/bin.
/// </summary>
public static partial class PgToolLocator
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<PgToolset>> Found = new(StringComparer.Ordinal);

    /// <summary>The toolsets found, newest first; looked up once per process and directory choice (each lookup runs every pg_dump --version).</summary>
    public static async Task<IReadOnlyList<PgToolset>> FindAllAsync(string? pgBin, CancellationToken ct)
    {
        var key = pgBin ?? "";
        if (Found.TryGetValue(key, out var cached))
            return cached;
        var toolsets = await SearchAsync(pgBin, ct);
        Found.TryAdd(key, toolsets);
        return toolsets;
    }

    private static async Task<IReadOnlyList<PgToolset>> SearchAsync(string? pgBin, CancellationToken ct)
    {
        var directories = new List<string>();
        if (pgBin is not null)
        {
            directories.Add(pgBin);
        }
        else
        {
            // Debian's versioned directories first: /usr/bin/pg_dump there is a wrapper script.
            if (Directory.Exists("/usr/lib/postgresql"))
                directories.AddRange(Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")));
            var path = Environment.GetEnvironmentVariable("PATH") ?? "";
            directories.AddRange(path.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }

        var found = new List<PgToolset>();
        foreach (var dir in directories.Distinct(StringComparer.Ordinal))
        {
            var pgDump = Path.Combine(dir, "pg_dump");
            if (!File.Exists(pgDump) || !File.Exists(Path.Combine(dir, "pg_restore")))
                continue;
            var version = await ReadVersionAsync(pgDump, ct);
            if (version is null)
                continue;
            if (found.Any(t => t.Version == version.Value.Text))
                continue;
            found.Add(new PgToolset(dir, version.Value.Major, version.Value.Text));
        }
        return found.OrderByDescending(t => t.Major).ToList();
    }

    /// <summary>Parses "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" into major 15 and "15.18".</summary>
    public static (int Major, string Text)? ParseVersion(string output)
    {
        var match = VersionPattern().Match(output);
        if (!match.Success)
            return null;
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[0].Value);
    }

    private static async Task<(int Major, string Text)?> ReadVersionAsync(string pgDump, CancellationToken ct)
    {
        try
        {
            var psi = new ProcessStartInfo(pgDump, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return process.ExitCode == 0 ? ParseVersion(output) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(\d+)(?:\.\d+)?(?:beta\d+|rc\d+|devel)?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
