using System.Diagnostics;
using System.Text;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// The real pgmove command line in a child process, so that a test can kill it with SIGKILL at any instant, as a
/// crash would: the installed (native) pgmove named by PGMOVE_EXE (scripts/test.sh publishes one as the README
/// installs it), else the build's pgmove.dll beside the tests.
/// </summary>
public sealed class PgMoveProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PgMoveProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    /// <summary>
    /// The environment that points pgmove at a source and a target on loopback as the superuser (the password in
    /// the environment, never in the arguments).
    /// </summary>
    public static Dictionary<string, string> Environment(int sourcePort, int targetPort) => new()
    {
        ["PGMOVE_SOURCE"] = $"postgres://postgres:{PgCluster.SuperuserPassword}@127.0.0.1:{sourcePort}/postgres?sslmode=disable",
        ["PGMOVE_TARGET"] = $"postgres://postgres:{PgCluster.SuperuserPassword}@127.0.0.1:{targetPort}/postgres?sslmode=disable",
    };

    public static PgMoveProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var installed = System.Environment.GetEnvironmentVariable("PGMOVE_EXE");
        var psi = new ProcessStartInfo(string.IsNullOrEmpty(installed) ? "dotnet" : installed)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.IsNullOrEmpty(installed))
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pgmove.dll"));
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
            psi.Environment[key] = value;
        var process = new Process { StartInfo = psi };
        var wrapper = new PgMoveProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        await using var process = Start(environment, args);
        using var cts = new CancellationTokenSource(timeout);
        await process._process.WaitForExitAsync(cts.Token);
        process._process.WaitForExit();
        return (process.ExitCode, process.Output);
    }

    /// <summary>SIGKILL: no cleanup, no flush, exactly like a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            NativeSignals.Send(_process.Id, NativeSignals.SigKill);
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGINT, as Ctrl-C: pgmove detaches cleanly. Waits for the exit itself, with a deadline that only a hang
    /// reaches (30 s was once too short with the two cores shared by four test servers and a build).
    /// </summary>
    public async Task InterruptAsync()
    {
        // A suite started as a background job of a non-interactive shell ('… &') runs with SIGINT ignored, and every
        // child inherits that (the runtime keeps an ignored signal ignored): pgmove never sees the Ctrl-C. SIGTERM takes
        // the same path in pgmove (the verb's token is cancelled, it detaches), so that is sent instead.
        NativeSignals.Send(_process.Id, InterruptIgnored(_process.Id) ? NativeSignals.SigTerm : NativeSignals.SigInt);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"pgmove did not exit within 4 minutes of SIGINT. Its output:\n{Output}");
        }
    }

    /// <summary>Whether <paramref name="pid"/> ignores SIGINT (bit 2 of SigIgn in /proc/PID/status).</summary>
    private static bool InterruptIgnored(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (NativeSignals.SigInt - 1))) != 0;
        }
        catch (IOException)
        {
            return false; // gone already: the signal does not matter
        }
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }
}
