using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>
/// A target user without superuser: subscriptions through aiven_extras' functions (the test STAND-IN of
/// <see cref="AivenExtrasStandIn"/>), and the check that fails without them.
/// </summary>
public sealed class SubscriptionAivenExtrasTests
{
    [SkippableFact]
    public async Task Start_NonSuperuserTargetWithAivenExtras_MigratesThroughItsFunctionsAndCleansUp()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await AivenExtrasStandIn.InstallAsync(scenario.Target);
        await scenario.Target.ExecuteAsync("CREATE ROLE avnadmin LOGIN CREATEDB CREATEROLE");
        await SubscriptionMigration.CreateBankAsync(scenario.Source);
        var target = scenario.Target.Spec(user: "avnadmin", password: null);

        using var load = new CancellationTokenSource();
        var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 60, clients: 2, load.Token);
        // As on a managed service, the target's postgres database belongs to its superuser: migrate bank only.
        var options = SubscriptionMigration.Options(scenario, target) with { IgnoreDatabases = ["postgres"] };
        var (_, run) = await scenario.RunAsync(options, CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);

        // Created by the extension's SECURITY DEFINER function: owned by the superuser, not by avnadmin.
        Assert.Equal("postgres", (await scenario.Target.ColumnAsync(
            "SELECT r.rolname FROM pg_subscription s JOIN pg_roles r ON r.oid = s.subowner JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = 'bank'", "bank")).Single());
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_extension WHERE extname = 'aiven_extras'", "bank"));

        await Task.Delay(1000);
        await load.CancelAsync();
        await pgbench;
        scenario.Request("cutover");
        var done = await run.WaitAsync(SubscriptionMigration.Timeout);

        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.False(done.Result!.Contains("WARNING", StringComparison.Ordinal), done.Result);
        await SubscriptionMigration.AssertBankEqualAsync(scenario);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_extension WHERE extname = 'aiven_extras'", "bank"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = 'aiven_extras'", "bank"));
    }

    [SkippableFact]
    public async Task Check_NonSuperuserTargetWithoutAivenExtras_FailsAndNamesRelay()
    {
        // The source cannot replicate either: continuous methods fail and name the dump method, never fall back to it.
        await using var scenario = await RelayScenario.StartAsync(new ClusterOptions { Major = 15, WalLevel = "replica" }, new ClusterOptions { Major = 15 });
        await scenario.Target.ExecuteAsync("CREATE ROLE loader LOGIN CREATEDB CREATEROLE");
        var report = await PreflightRunner.RunAsync(new PreflightOptions
        {
            Source = scenario.Source.Spec(),
            Target = scenario.Target.Spec(user: "loader", password: null),
            Method = MigrationMethod.Subscription,
        }, CancellationToken.None);

        var check = Assert.Single(report.Results, r => r.Id == "target.subscription");
        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("--method relay", check.Fix, StringComparison.Ordinal);
        var walLevel = Assert.Single(report.Results, r => r.Id == "source.wal_level");
        Assert.Equal(CheckStatus.Fail, walLevel.Status);
        Assert.Contains("pgmove copy", walLevel.Fix, StringComparison.Ordinal);
    }
}
