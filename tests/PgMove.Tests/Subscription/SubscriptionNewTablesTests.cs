using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>
/// DDL on the source while the subscription streams (15 -> 17): a table created or a partition attached joins the
/// subscription with its rows; a table or column missing on the target stops the database with the real cause.
/// </summary>
public sealed class SubscriptionNewTablesTests
{
    /// <summary>A failed apply worker is restarted after wal_retrieve_retry_interval (5 s by default): 1 s finds a lasting error sooner.</summary>
    private static readonly ClusterOptions FastRetries = new() { Major = 17, Settings = new Dictionary<string, string> { ["wal_retrieve_retry_interval"] = "'1s'" } };

    [SkippableFact]
    public async Task Streaming_TableAndPartitionCreatedOnBothSides_JoinTheSubscriptionWithTheirRows()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(
            "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g; " +
            "CREATE TABLE events (id int, at date, body text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at); " +
            "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); " +
            "INSERT INTO events SELECT g, date '2024-01-01' + g, 'old ' || g FROM generate_series(1, 100) g", "shop");
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);

        // As the advice goes: the target first, then the source.
        const string ddl = "CREATE TABLE new_t (id int PRIMARY KEY, body text); " +
                           "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')";
        await scenario.Target.ExecuteAsync(ddl, "shop");
        await scenario.Source.ExecuteAsync(ddl, "shop");
        await scenario.Source.ExecuteAsync(
            "INSERT INTO new_t SELECT g, 'new ' || g FROM generate_series(1, 500) g; " +
            "INSERT INTO events SELECT g, date '2025-01-01' + g, 'new ' || g FROM generate_series(1, 200) g", "shop");

        await WaitForRowsAsync(scenario, "new_t", 500, run);
        await WaitForRowsAsync(scenario, "events_2025", 200, run);
        // Changes after the copy stream as for every other table.
        await scenario.Source.ExecuteAsync("UPDATE new_t SET body = 'changed' WHERE id <= 10; DELETE FROM new_t WHERE id > 490; INSERT INTO events VALUES (1000, '2025-06-01', 'late')", "shop");
        var level = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.TablesDone == d.TablesTotal), SubscriptionMigration.Timeout, run);
        await SubscriptionMigration.WaitAppliedAsync(scenario);
        Assert.Equal(4, level.Databases.Single(d => d.Name == "shop").TablesTotal); // items, events_2024, events_2025, new_t
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(10, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM new_t WHERE body = 'changed'", "shop"));

        scenario.Request("stop");
        Assert.Equal(MigrationStatus.Canceled, (await run.WaitAsync(SubscriptionMigration.Timeout)).Status);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
    }

    [SkippableFact]
    public async Task Streaming_TableCreatedOnSourceOnly_ErrorNamesTableAndStartAfterCreatingItCopiesIt()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g", "shop");
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);

        const string ddl = "CREATE TABLE late_t (id int PRIMARY KEY, body text)";
        await scenario.Source.ExecuteAsync(ddl, "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO late_t SELECT g, 'late ' || g FROM generate_series(1, 300) g; INSERT INTO items VALUES (101, 'after')", "shop");
        var failed = await run.WaitAsync(SubscriptionMigration.Timeout);

        Assert.True(failed.Status == MigrationStatus.Error, RelayScenario.Describe(failed));
        var shop = failed.Databases.Single(d => d.Name == "shop");
        Assert.Equal(DatabasePhase.Failed, shop.Phase);
        Assert.Contains("\"public\".\"late_t\"", failed.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist on the target", failed.Error, StringComparison.Ordinal);
        Assert.Contains("pgmove start", failed.Error + failed.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain("conflicting rows", failed.Error, StringComparison.Ordinal);

        // The fix the error names: create it on the target, then pgmove start adds it with its rows.
        await scenario.Target.ExecuteAsync(ddl, "shop");
        var (_, resumed) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await WaitForRowsAsync(scenario, "late_t", 300, resumed);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.TablesDone == d.TablesTotal), SubscriptionMigration.Timeout, resumed);
        await SubscriptionMigration.WaitAppliedAsync(scenario);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");

        scenario.Request("stop");
        Assert.Equal(MigrationStatus.Canceled, (await resumed.WaitAsync(SubscriptionMigration.Timeout)).Status);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
    }

    [SkippableFact]
    public async Task Streaming_ColumnAddedOnSourceOnly_ErrorNamesColumnNotConflictingRows()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g", "shop");
        var (_, run) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, run);

        await scenario.Source.ExecuteAsync("ALTER TABLE items ADD COLUMN extra text", "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (101, 'after', 'more')", "shop");
        var failed = await run.WaitAsync(SubscriptionMigration.Timeout);

        Assert.True(failed.Status == MigrationStatus.Error, RelayScenario.Describe(failed));
        Assert.Contains("column \"extra\" of table \"public\".\"items\" is missing on the target", failed.Error, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("conflicting rows", failed.Error, StringComparison.Ordinal);

        await scenario.Target.ExecuteAsync("ALTER TABLE items ADD COLUMN extra text", "shop");
        var (_, resumed) = await scenario.RunAsync(SubscriptionMigration.Options(scenario), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, SubscriptionMigration.Timeout, resumed);
        await SubscriptionMigration.WaitAppliedAsync(scenario);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal("more", await scenario.Target.ScalarAsync<string>("SELECT extra FROM items WHERE id = 101", "shop"));

        scenario.Request("stop");
        Assert.Equal(MigrationStatus.Canceled, (await resumed.WaitAsync(SubscriptionMigration.Timeout)).Status);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
    }

    private static async Task WaitForRowsAsync(RelayScenario scenario, string table, int rows, Task run)
    {
        var deadline = DateTimeOffset.UtcNow + SubscriptionMigration.Timeout;
        while (await scenario.Target.ScalarAsync<long>($"SELECT count(*) FROM {table}", "shop") != rows)
        {
            Assert.False(run.IsCompleted, $"the migration ended: {RelayScenario.Describe(scenario.Latest())}");
            Assert.True(DateTimeOffset.UtcNow < deadline, $"{table} did not reach {rows} rows on the target: {RelayScenario.Describe(scenario.Latest())}");
            await Task.Delay(250);
        }
    }
}
