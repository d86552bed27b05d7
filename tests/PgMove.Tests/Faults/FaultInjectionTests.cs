using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace PgMove.Tests.Faults;

/// <summary>
/// Seeded random faults on real servers (see <see cref="FaultRound"/>). CI runs one short migration; the soak
/// (scripts/soak.sh, which sets PGMOVE_SOAK_MINUTES and PGMOVE_SOAK_SEED) runs migration after migration for as long as asked.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Start_KilledInEveryPhaseAndServersRestarted_VerifyClean()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PGMOVE_FAULT_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 20261124;
        var tally = new FaultTally();
        var watch = Stopwatch.StartNew();
        // kill -9 aimed at every phase (the delay after reaching it is seeded), restarts of both servers while
        // streaming, and a kill -9 in the middle of the cutover; the soak draws everything at random instead.
        (string, string)[] plan =
        [
            ("roles/schema", "kill -9 pgmove"),
            ("copy", "kill -9 pgmove"),
            ("post-data", "kill -9 pgmove"),
            ("streaming", "source restart fast"),
            ("streaming", "target restart immediate"),
            ("streaming", "kill -9 pgmove"),
        ];
        await new FaultRound(new Random(seed), tally, output) { Plan = plan, KillDuringCutover = true, Scale = 1 }.RunAsync();
        output.WriteLine(tally.Summary(seed, watch.Elapsed));
        Assert.Equal(1, tally.MigrationsVerified);
        Assert.True(tally.Total == plan.Length + 1, tally.Summary(seed, watch.Elapsed));
    }

    [SkippableFact]
    public async Task Soak_RandomFaultsForMinutes_EveryMigrationVerifiesClean()
    {
        var minutesText = Environment.GetEnvironmentVariable("PGMOVE_SOAK_MINUTES");
        Skip.If(minutesText is null, "The soak runs from scripts/soak.sh (PGMOVE_SOAK_MINUTES).");
        var minutes = double.Parse(minutesText, CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("PGMOVE_SOAK_SEED") ?? "1", CultureInfo.InvariantCulture);
        var report = Environment.GetEnvironmentVariable("PGMOVE_SOAK_REPORT");
        var random = new Random(seed);
        var tally = new FaultTally();
        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        var round = 0;
        while (watch.Elapsed < TimeSpan.FromMinutes(minutes))
        {
            round++;
            try
            {
                await new FaultRound(random, tally, output) { Faults = random.Next(3, 9), Scale = random.Next(1, 4) }.RunAsync();
            }
            catch (Exception error)
            {
                failures.Add($"round {round}: {error}");
                tally.Notes.Add($"round {round} FAILED: {error.Message.Split('\n')[0]}");
            }
            if (report is not null)
                await File.WriteAllTextAsync(report, tally.Summary(seed, watch.Elapsed) + string.Join("\n", failures) + "\n");
        }
        output.WriteLine(tally.Summary(seed, watch.Elapsed));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
