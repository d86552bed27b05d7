using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using Xunit.Abstractions;

namespace PgMove.Tests.Subscription;

/// <summary>The subscription method end to end under a pgbench load: PostgreSQL copies and streams, PgMove cuts over.</summary>
public sealed class SubscriptionMigrationTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(15, 17)]
    [InlineData(14, 18)]
    public async Task Start_UnderPgbenchLoad_CutoverVerifiesCleanAndLeavesNothing(int sourceMajor, int targetMajor)
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        await using var scenario = await RelayScenario.StartAsync(
            new ClusterOptions { Major = sourceMajor, PasswordAuth = true }, new ClusterOptions { Major = targetMajor });
        output.WriteLine($"clusters after {total.Elapsed.TotalSeconds:N1} s");
        await SubscriptionMigration.CreateBankAsync(scenario.Source);
        output.WriteLine($"bank after {total.Elapsed.TotalSeconds:N1} s");

        using var load = new CancellationTokenSource();
        var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 60, clients: 2, load.Token);
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        output.WriteLine($"preflight passed after {total.Elapsed.TotalSeconds:N1} s");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);
        output.WriteLine($"syncing after {clock.Elapsed.TotalSeconds:N1} s");
        Assert.Equal(MigrationMethod.Subscription, syncing.Method);
        Assert.All(syncing.Databases, d => Assert.True(d.CopyDone && d.TablesDone == d.TablesTotal, RelayScenario.Describe(syncing)));

        // The target's own subscription moves the data, in binary; the post-data came after the initial sync.
        Assert.Equal("True", (await scenario.Target.ColumnAsync("SELECT subbinary FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = 'bank'", "bank")).Single());
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_indexes WHERE indexname = 'notes_body'", "bank"));
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'notes'::regclass", "bank"));

        await Task.Delay(2000); // changes stream while pgbench writes
        await load.CancelAsync();
        await pgbench;

        scenario.Request("cutover");
        clock.Restart();
        var done = await run.WaitAsync(SubscriptionMigration.Timeout);
        output.WriteLine($"cutover took {clock.Elapsed.TotalSeconds:N1} s: {done.Result}");
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.Contains("identical", done.Result, StringComparison.Ordinal);
        Assert.DoesNotContain(PgCluster.SuperuserPassword, RelayScenario.Describe(done), StringComparison.Ordinal);

        await SubscriptionMigration.AssertBankEqualAsync(scenario);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
        output.WriteLine($"asserted after {total.Elapsed.TotalSeconds:N1} s");
    }
}
