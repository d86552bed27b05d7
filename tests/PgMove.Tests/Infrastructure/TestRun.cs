using System.Globalization;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// The folder of this test run's clusters, under /tmp/pgmove-tests/run-PID. At start it sweeps the folders of runs
/// whose process is gone (stopping any server they left). At the end of the run (<see cref="Finish"/>, called by
/// <see cref="RunEndSink"/>) it stops its servers and removes its folder, or, if a test failed, keeps it for
/// debugging minus the templates. At process exit it stops whatever is still running.
/// </summary>
public static class TestRun
{
    private static readonly Lazy<string> Folder = new(Create);

    public static string BaseDirectory { get; } = Path.Combine(Path.GetTempPath(), "pgmove-tests");

    public static string Directory => Folder.Value;

    /// <summary>Whether a test used the folder (a run of unit tests only never creates it).</summary>
    public static bool WasCreated => Folder.IsValueCreated;

    /// <summary>
    /// Stops every server this run started and removes its folder when the run <paramref name="passed"/>; otherwise
    /// removes only the templates (~150 MB each, of no use after the run) and returns the folder kept.
    /// </summary>
    public static string? Finish(bool passed)
    {
        PgCluster.StopAllImmediately();
        var dir = Folder.Value;
        if (passed)
        {
            TryDelete(dir);
            return null;
        }
        foreach (var template in System.IO.Directory.GetDirectories(dir, "template-*"))
            TryDelete(template);
        return dir;
    }

    private static string Create()
    {
        System.IO.Directory.CreateDirectory(BaseDirectory);
        SweepAbandonedRuns();
        var dir = Path.Combine(BaseDirectory, $"run-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(BaseDirectory, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        // A run that ends without Finish (aborted, or a host that is not xunit's) still stops its servers; its
        // folder is swept by the next run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => PgCluster.StopAllImmediately();
        return dir;
    }

    private static void SweepAbandonedRuns()
    {
        foreach (var run in System.IO.Directory.GetDirectories(BaseDirectory, "run-*"))
        {
            if (int.TryParse(Path.GetFileName(run)[4..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && NativeSignals.IsAlive(pid))
                continue;
            foreach (var pidFile in System.IO.Directory.EnumerateFiles(run, "postmaster.pid", SearchOption.AllDirectories))
            {
                var firstLine = File.ReadLines(pidFile).FirstOrDefault();
                if (int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var postmaster))
                    NativeSignals.Send(postmaster, NativeSignals.SigQuit);
            }
            TryDelete(run);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A server still writing as it exits; the next run sweeps what is left.
        }
    }
}
