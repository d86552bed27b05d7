using System.Diagnostics;
using PgMove.Core.Connections;

namespace PgMove.Core.Schema;

/// <summary>
/// Runs a libpq client program (pg_dump, pg_restore, pg_dumpall, psql) to completion. The connection (the password
/// included) travels in the child's environment, never in its arguments, which every user of the machine can read
/// in /proc; the caller's PG* variables are removed first. Cancelling kills the program, which ends its session.
/// </summary>
internal static class LibpqProcess
{
    /// <returns>The exit code and everything the program wrote.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> arguments, ConnectionSpec connection, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            psi.ArgumentList.Add(argument);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(name);
        foreach (var (name, value) in connection.ToLibpqEnvironment())
            psi.Environment[name] = value;

        using var process = Process.Start(psi) ?? throw new System.ComponentModel.Win32Exception($"{Path.GetFileName(program)} could not be started.");
        await using var registration = ct.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        });
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
        return (process.ExitCode, await stdout, await stderr);
    }
}
