using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>A healthy 15 → 17 pair passes, a 17 → 15 pair fails, and a check creates nothing anywhere.</summary>
public sealed class HealthyPairTests
{
    [SkippableFact]
    public async Task Check_Healthy15To17_PassesEveryMethod()
    {
        await using var scenario = await PreflightScenario.StartAsync(
            source: new ClusterOptions { Major = 15, Ssl = true, PasswordAuth = true },
            target: new ClusterOptions { Major = 17, Ssl = true, PasswordAuth = true });
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Source.ExecuteAsync("CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric)", "app");
        foreach (var method in Enum.GetValues<MigrationMethod>())
        {
            var report = await scenario.RunAsync(method);
            Assert.False(report.HasFailures, $"{method}:\n{ReportAssert.Describe(report)}");
            Assert.DoesNotContain(report.Results, r => r.Status == CheckStatus.Warn);
            ReportAssert.Has(report, "version.compatible", CheckStatus.Pass, "PostgreSQL 15 to target PostgreSQL 17");
        }
    }

    [SkippableFact]
    public async Task Check_SourceNewerThanTarget_FailsVersionAndPgDump()
    {
        await using var scenario = await PreflightScenario.StartAsync(
            source: new ClusterOptions { Major = 17 },
            target: new ClusterOptions { Major = 15 });
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "version.compatible", CheckStatus.Fail, "PostgreSQL 17", "newer than the target's 15");
        ReportAssert.Has(report, "tools.pg_dump", CheckStatus.Fail, "older than the source (PostgreSQL 17)");
    }

    [SkippableFact]
    public async Task Check_AnyMethod_CreatesNothingOnEitherServer()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int)", "app");
        await scenario.Target.ExecuteAsync("CREATE DATABASE app");

        var before = (await CatalogSnapshot.TakeAsync(scenario.Source), await CatalogSnapshot.TakeAsync(scenario.Target));
        foreach (var method in Enum.GetValues<MigrationMethod>())
            await scenario.RunAsync(method);
        var after = (await CatalogSnapshot.TakeAsync(scenario.Source), await CatalogSnapshot.TakeAsync(scenario.Target));

        Assert.Equal(before.Item1, after.Item1);
        Assert.Equal(before.Item2, after.Item2);
    }
}
