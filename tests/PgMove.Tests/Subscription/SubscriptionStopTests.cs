using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>Stop with the source gone, and an apply error caused by a write to the target.</summary>
public sealed class SubscriptionStopTests
{
    /// <summary>A failed apply worker is restarted after wal_retrieve_retry_interval (5 s by default): 1 s finds a lasting error sooner.</summary>
    private static readonly ClusterOptions FastRetries = new() { Major = 17, Settings = new Dictionary<string, string> { ["wal_retrieve_retry_interval"] = "'1s'" } };

    [SkippableFact]
    public async Task Stop_SourceRestartsThenDown_TargetCleanAndNamesSlotToDrop()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g", "shop");
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (1001, 'late')", "shop");
        await SubscriptionMigration.WaitAppliedAsync(scenario);

        // Two source restarts: the subscription reconnects by itself; PgMove does not take the lost connections for a failure.
        for (var i = 0; i < 2; i++)
        {
            await scenario.Source.RestartAsync();
            await scenario.Source.ExecuteAsync($"INSERT INTO items VALUES ({1002 + i}, 'after a restart')", "shop");
            await SubscriptionMigration.WaitAppliedAsync(scenario);
        }
        await Task.Delay(1500);
        Assert.True(scenario.Latest().Status == MigrationStatus.Syncing, RelayScenario.Describe(scenario.Latest()));
        Assert.True(await scenario.Target.ScalarAsync<long>("SELECT coalesce(sum(apply_error_count), 0) FROM pg_stat_subscription_stats") >= 2,
            "the restarts should have counted as apply errors on the target");

        var slots = scenario.Latest().Databases.Select(d => d.Slot!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, slots.Count); // postgres and shop

        await scenario.Source.StopAsync();
        scenario.Request("stop");
        var stopped = await run.WaitAsync(SubscriptionMigration.Timeout);

        Assert.True(stopped.Status == MigrationStatus.Canceled, RelayScenario.Describe(stopped));
        Assert.All(slots, slot => Assert.Contains($"pg_drop_replication_slot('{slot}')", stopped.Result, StringComparison.Ordinal));
        Assert.Empty(await scenario.Target.ColumnAsync("SELECT subname FROM pg_subscription"));
        Assert.Empty(await scenario.Target.ColumnAsync("SELECT roname FROM pg_replication_origin"));
        Assert.Equal(1003, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));

        // Back up, the source holds exactly the slots the note named.
        await scenario.Source.RestartAsync();
        Assert.Equal(slots, await scenario.Source.ColumnAsync("SELECT slot_name FROM pg_replication_slots ORDER BY 1"));

        // The user follows the note: each slot and the publication dropped in each database; the source is clean.
        var publication = ReplicationNames.Publication(stopped.Id);
        Assert.Contains($"DROP PUBLICATION IF EXISTS \"{publication}\"", stopped.Result, StringComparison.Ordinal);
        await scenario.Source.ExecuteAsync("SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name LIKE 'pgmove%'");
        Assert.Contains("DROP SCHEMA IF EXISTS \"_pgmove\" CASCADE", stopped.Result, StringComparison.Ordinal); // the DDL capture
        foreach (var database in new[] { "postgres", "shop" })
            await scenario.Source.ExecuteAsync($"DROP PUBLICATION IF EXISTS \"{publication}\"; DROP SCHEMA IF EXISTS \"_pgmove\" CASCADE", database);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_RowWrittenToTarget_ErrorNamesTableResumeAfterFixThenStopCleans()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        var failed = await ConflictOnTargetAsync(scenario);

        Assert.True(failed.Status == MigrationStatus.Error, RelayScenario.Describe(failed));
        Assert.Contains("public.items", failed.Error, StringComparison.Ordinal);
        Assert.Contains("unique violation", failed.Error, StringComparison.Ordinal);
        Assert.Contains("pgmove start", failed.Error + failed.Fix, StringComparison.Ordinal);

        // The fix the error names: remove the row written to the target, then pgmove start resumes (re-enables).
        await scenario.Target.ExecuteAsync("DELETE FROM items WHERE id = 500", "shop");
        var (_, resumed) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, resumed);
        await SubscriptionMigration.WaitAppliedAsync(scenario);
        Assert.Equal("written on the source", await scenario.Target.ScalarAsync<string>("SELECT name FROM items WHERE id = 500", "shop"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        scenario.Request("stop");
        Assert.Equal(MigrationStatus.Canceled, (await resumed.WaitAsync(SubscriptionMigration.Timeout)).Status);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
    }

    [SkippableFact]
    public async Task Stop_AfterApplyError_WithoutRunner_CleansBothSides()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        Assert.Equal(MigrationStatus.Error, (await ConflictOnTargetAsync(scenario)).Status);

        using (var store = MigrationStore.Open(scenario.StatePath))
        {
            var stopped = await MigrationControl.StopAsync(store, null, CancellationToken.None);
            Assert.True(stopped.Status == MigrationStatus.Canceled, RelayScenario.Describe(stopped));
        }
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
        Assert.Equal(100, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items WHERE id <= 100", "shop"));
    }

    /// <summary>
    /// Database shop syncing by subscription, then the same key written to the target and to the source: the
    /// subscription's apply fails. Returns how the run ended.
    /// </summary>
    private static async Task<MigrationRecord> ConflictOnTargetAsync(RelayScenario scenario)
    {
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g", "shop");
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);
        await scenario.Target.ExecuteAsync("INSERT INTO items VALUES (500, 'written on the target')", "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (500, 'written on the source')", "shop");
        return await run.WaitAsync(SubscriptionMigration.Timeout);
    }
}
