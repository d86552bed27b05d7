using System.Diagnostics;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Copy;

/// <summary><c>pgmove copy</c> from PostgreSQL 14 to 16: pgbench's tables after some load, split by block ranges (TID range scans arrived in 14).</summary>
public sealed class CopyCrossVersionTests(ITestOutputHelper log)
{
    [SkippableFact]
    public async Task Copy_Pgbench14To16_SplitAndVerifiedClean()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync(sourceMajor: 14, targetMajor: 16);
        await scenario.Source.ExecuteAsync("CREATE DATABASE bench");
        await Pgbench.InitAsync(scenario.Source, "bench", scale: 1);
        // Some load: updated rows move within and between pages, history rows and their sequence appear.
        await Pgbench.LoadAsync(scenario.Source, "bench", seconds: 2, clients: 2, CancellationToken.None);
        log.WriteLine($"source ready after {clock.Elapsed.TotalSeconds:F1} s");

        var run = await scenario.CopyAsync(o => o with { ChunkBytes = 1024 * 1024, Jobs = 3 });
        log.WriteLine($"copied after {clock.Elapsed.TotalSeconds:F1} s");

        var bench = Assert.Single(run.Result!.Databases, d => d.Database == "bench");
        Assert.Equal("copied", bench.Outcome);
        Assert.Equal(4, bench.Tables);
        var parts = run.For("bench").Where(e => e.Kind == "table" && e.Table!.StartsWith("\"public\".\"pgbench_accounts\" part ", StringComparison.Ordinal)).ToList();
        Assert.True(parts.Count > 5, run.Describe());
        Assert.Single(parts, e => e.Message == "table copied");
        Assert.Equal(100_000, parts.Sum(e => e.Rows));

        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());
        Assert.Equal(100_000, report.Find("bench", "public", "pgbench_accounts")!.TargetRows);
        Assert.True(report.Find("bench", "public", "pgbench_history")!.TargetRows > 0);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bench");

        const string state = "SELECT (SELECT last_value FROM pgbench_history_hid_seq) || ' ' || " +
                             "(SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public')";
        Assert.Equal(await scenario.Source.ScalarAsync<string>(state, "bench"), await scenario.Target.ScalarAsync<string>(state, "bench"));
        Assert.StartsWith("PostgreSQL 16", await scenario.Target.ScalarAsync<string>("SELECT version()"), StringComparison.Ordinal);
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
