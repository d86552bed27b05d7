using System.Globalization;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// The folder of this test run's clusters, under /tmp/pgmove-tests/run-PID. At start it sweeps the
/// folders of runs whose process is gone (stopping any server they left), and at exit it stops its own.
/// </summary>
public static class TestRun
{
    public static string BaseDirectory { get; } = Path.Combine(Path.GetTempPath(), "pgmove-tests");

    public static string Directory { get; } = Create();

    private static string Create()
    {
        System.IO.Directory.CreateDirectory(BaseDirectory);
        SweepAbandonedRuns();
        var dir = Path.Combine(BaseDirectory, $"run-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(BaseDirectory, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            PgCluster.StopAllImmediately();
            // The initdb templates (~150 MB each) are only useful to this run.
            foreach (var template in System.IO.Directory.GetDirectories(dir, "template-*"))
            {
                try
                {
                    System.IO.Directory.Delete(template, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        };
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
            try
            {
                System.IO.Directory.Delete(run, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
