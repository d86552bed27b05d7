using System.Diagnostics;
using System.Globalization;

namespace PgMove.Tests.Infrastructure;

/// <summary>Debian's pgbench against a test cluster: initialise a database, or run a bounded write load.</summary>
public static class Pgbench
{
    public static async Task InitAsync(PgCluster cluster, string database, int scale)
    {
        await RunAsync(cluster, ["-i", "-q", "-s", scale.ToString(CultureInfo.InvariantCulture), database], CancellationToken.None);
        // pgbench_history has no key; logical replication needs one for UPDATE and DELETE (pgbench only inserts, but be safe).
        await cluster.ExecuteAsync("ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY", database);
    }

    /// <summary>
    /// The write rate of every load in the suite (transactions per second, all clients together). Unthrottled, a load
    /// takes both of the machine's cores for its whole run and starves the test running beside it; a few hundred
    /// writes a second still keep every stream busy through the copy, the catch-up and the switch.
    /// </summary>
    public const string Rate = "200";

    /// <summary>Runs the TPC-B-like load at <see cref="Rate"/> for at most <paramref name="seconds"/> seconds (or until cancelled).</summary>
    public static Task LoadAsync(PgCluster cluster, string database, int seconds, int clients, CancellationToken ct) =>
        RunAsync(cluster, ["-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-R", Rate, "-T", seconds.ToString(CultureInfo.InvariantCulture), database], ct);

    /// <summary>
    /// Runs pgbench against any host and port (PgBouncer) as user postgres without TLS, to completion; returns its
    /// exit code and its output (the report's "number of transactions actually processed", "number of failed transactions").
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunThroughAsync(string host, int port, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Path.Combine(PgInstallations.DebianBinDir, "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres" }.Concat(args))
            psi.ArgumentList.Add(arg);
        psi.Environment["PGSSLMODE"] = "disable";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task RunAsync(PgCluster cluster, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Path.Combine(PgInstallations.DebianBinDir, "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", cluster.Host, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres" }.Concat(args))
            psi.ArgumentList.Add(arg);
        psi.Environment["PGPASSWORD"] = PgCluster.SuperuserPassword;
        psi.Environment["PGSSLMODE"] = cluster.Options.Ssl ? "require" : "disable";
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            return;
        }
        // pgbench exits 2 when a server restart broke its connections mid-run: that is what some tests do.
        if (process.ExitCode is not 0 and not 2)
            throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await stderr}");
    }
}
