using System.Diagnostics;

namespace PgMove.Tests.Infrastructure;

/// <summary>Runs PostgreSQL's server programs as the <c>postgres</c> OS user: we run as root and initdb refuses root.</summary>
internal static class PostgresUser
{
    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs a program to completion; throws with its output when it fails.</summary>
    public static async Task RunAsync(string program, string? libDir, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = Wrap(program, libDir, args);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await stdout}\n{await stderr}");
    }

    /// <summary>
    /// Starts the postmaster with its output appended to <paramref name="logFile"/>. The shell and setpriv
    /// exec into postgres, so the returned process is the postmaster itself and signals reach it directly.
    /// </summary>
    public static Process StartServer(string postgres, string? libDir, string dataDir, string logFile)
    {
        var psi = Wrap("/bin/sh", null, ["-c", "exec \"$@\" >>\"$LOGFILE\" 2>&1", "sh", .. Command(postgres, libDir, ["-D", dataDir])]);
        psi.Environment["LOGFILE"] = logFile;
        // Wrap already applied setpriv inside Command; the outer shell runs as the caller.
        psi.FileName = "/bin/sh";
        return Process.Start(psi)!;
    }

    public static void Chown(string path)
    {
        if (!IsRoot)
            return;
        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", path]) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"chown -R postgres {path} failed");
    }

    private static ProcessStartInfo Wrap(string program, string? libDir, IEnumerable<string> args)
    {
        var command = program == "/bin/sh" ? [program, .. args] : Command(program, libDir, args);
        var psi = new ProcessStartInfo(command[0], command.Skip(1)) { UseShellExecute = false };
        return psi;
    }

    private static List<string> Command(string program, string? libDir, IEnumerable<string> args)
    {
        var command = new List<string>();
        if (IsRoot)
            command.AddRange(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]);
        command.Add("env");
        if (libDir is not null)
            command.Add($"LD_LIBRARY_PATH={libDir}");
        command.Add(program);
        command.AddRange(args);
        return command;
    }
}
