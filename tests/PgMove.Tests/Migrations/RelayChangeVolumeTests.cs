using System.Diagnostics;
using System.Globalization;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Migrations;

/// <summary>Runs alone (after the parallel collections): it measures this process's memory.</summary>
[CollectionDefinition(nameof(RelayChangeVolumeTests), DisableParallelization = true)]
public sealed class RelayChangeVolumeCollection;

/// <summary>One very large source transaction while a relay migration streams.</summary>
[Collection(nameof(RelayChangeVolumeTests))]
public sealed class RelayChangeVolumeTests(ITestOutputHelper output)
{
    private const long MaxGrowthBytes = 200L * 1024 * 1024;

    [SkippableFact]
    public async Task Stream_MillionRowTransaction_ArrivesCompleteWithBoundedMemory()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bulk");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, h text); INSERT INTO t SELECT -g, 'copied' FROM generate_series(1, 1000) g", "bulk");
        await using var run = await RelayRun.StartSyncingAsync(scenario);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = ProcessMemory.Read();
        ProcessMemory.ResetPeak();
        using var sampling = new CancellationTokenSource();
        var sampler = ProcessMemory.SampleMaxRssAsync(sampling.Token);
        var clock = Stopwatch.StartNew();

        await scenario.Source.ExecuteAsync("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000000) g", "bulk");
        var committed = clock.Elapsed;
        await run.WaitCaughtUpAsync(TimeSpan.FromMinutes(3));
        var applied = clock.Elapsed;
        await sampling.CancelAsync();
        var sampledMax = await sampler;
        var after = ProcessMemory.Read();

        var growth = Math.Max(after.PeakRss, sampledMax) - baseline.Rss;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"source commit {committed.TotalSeconds:N1} s, applied on target after {applied.TotalSeconds:N1} s; RSS before {baseline.Rss / 1048576.0:N0} MB, " +
            $"peak during {after.PeakRss / 1048576.0:N0} MB (VmHWM), sampled max {sampledMax / 1048576.0:N0} MB, growth {growth / 1048576.0:N0} MB; " +
            $"Process.PeakWorkingSet64 {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MB"));
        Assert.Equal(1_001_000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM t", "bulk"));
        Assert.True(growth < MaxGrowthBytes, $"The test process grew by {growth / 1048576} MB while applying one 1M-row transaction (limit {MaxGrowthBytes / 1048576} MB).");

        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bulk");
        await run.CutoverAsync();
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>This process's resident memory from /proc/self/status.</summary>
    private static class ProcessMemory
    {
        public static (long Rss, long PeakRss) Read()
        {
            long rss = 0, peak = 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    peak = Kilobytes(line);
            }
            return (rss, peak);
        }

        /// <summary>Resets VmHWM to the current RSS (Linux: "5" into clear_refs); harmless where refused.</summary>
        public static void ResetPeak()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // VmHWM then keeps the peak of the whole run: the sampled maximum still measures this test.
            }
        }

        /// <summary>The largest RSS seen, sampled every 50 ms until cancelled.</summary>
        public static async Task<long> SampleMaxRssAsync(CancellationToken ct)
        {
            long max = 0;
            while (!ct.IsCancellationRequested)
            {
                max = Math.Max(max, Read().Rss);
                try
                {
                    await Task.Delay(50, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return Math.Max(max, Read().Rss);
        }

        private static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
