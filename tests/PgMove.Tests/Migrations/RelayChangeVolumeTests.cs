using System.Diagnostics;
using System.Globalization;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Migrations;

/// <summary>
/// One very large source transaction while a relay migration streams. Runs beside the other tests: the memory it
/// bounds is the pgmove child process's own (/proc), which another test's load slows but does not enlarge.
/// </summary>
public sealed class RelayChangeVolumeTests(ITestOutputHelper output)
{
    // pgmove keeps at most one segment of a transaction (16 MB by estimate) plus what it reads ahead: it grew by
    // 51 MB (79 -> 130 MB) here; keeping the whole transaction would take several hundred. Measured on the real
    // command line in its own process: the test process's memory also holds the test host, the other tests'
    // leftovers and its garbage collector's choices (it grew by 206 MB in one CI run, 200 MB being the limit then).
    private const long MaxGrowthBytes = 128L * 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Stream_MillionRowTransaction_ArrivesCompleteWithBoundedMemory()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bulk");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, h text); INSERT INTO t SELECT -g, 'copied' FROM generate_series(1, 1000) g", "bulk");
        var environment = scenario.CliEnvironment();
        await using var pgmove = PgMoveProcess.Start(environment, "start", "--state", scenario.StatePath);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == pgmove.Id, Timeout);

        var baseline = ProcessMemory.Read(pgmove.Id);
        ProcessMemory.ResetPeak(pgmove.Id);
        using var sampling = new CancellationTokenSource();
        var sampler = ProcessMemory.SampleMaxRssAsync(pgmove.Id, sampling.Token);
        var clock = Stopwatch.StartNew();

        await scenario.Source.ExecuteAsync("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000000) g", "bulk");
        var committed = clock.Elapsed;
        await scenario.WaitCaughtUpAsync(Timeout);
        var applied = clock.Elapsed;
        await sampling.CancelAsync();
        var sampledMax = await sampler;
        var after = ProcessMemory.Read(pgmove.Id);

        var growth = Math.Max(after.PeakRss, sampledMax) - baseline.Rss;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"source commit {committed.TotalSeconds:N1} s, applied on target after {applied.TotalSeconds:N1} s; pgmove RSS before {baseline.Rss / 1048576.0:N0} MB, " +
            $"peak during {after.PeakRss / 1048576.0:N0} MB (VmHWM), sampled max {sampledMax / 1048576.0:N0} MB, growth {growth / 1048576.0:N0} MB"));
        Assert.Equal(1_001_000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM t", "bulk"));
        Assert.True(growth < MaxGrowthBytes, $"pgmove grew by {growth / 1048576} MB while applying one 1M-row transaction (limit {MaxGrowthBytes / 1048576} MB).");

        // The cutover compares every row of both servers before it drops anything (its exit 0 says they are equal):
        // a second comparison of the million rows here would only double the cost.
        var (code, cutover) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(code == 0, cutover + "\n" + pgmove.Output);
        Assert.True(cutover.Contains("identical", StringComparison.Ordinal) && cutover.Contains("1,001,", StringComparison.Ordinal), cutover);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>A process's resident memory from /proc/PID/status.</summary>
    private static class ProcessMemory
    {
        public static (long Rss, long PeakRss) Read(int pid)
        {
            long rss = 0, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    peak = Kilobytes(line);
            }
            return (rss, peak);
        }

        /// <summary>Resets VmHWM to the current RSS (Linux: "5" into clear_refs); harmless where refused.</summary>
        public static void ResetPeak(int pid)
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // VmHWM then keeps the peak of the whole run: the sampled maximum still measures this test.
            }
        }

        /// <summary>The largest RSS seen, sampled every 50 ms until cancelled.</summary>
        public static async Task<long> SampleMaxRssAsync(int pid, CancellationToken ct)
        {
            long max = 0;
            while (!ct.IsCancellationRequested)
            {
                max = Math.Max(max, Read(pid).Rss);
                try
                {
                    await Task.Delay(50, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return Math.Max(max, Read(pid).Rss);
        }

        private static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
