using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>Helpers for subscription-method tests: options, waiting for the subscriptions, and "nothing left behind".</summary>
internal static class SubscriptionMigration
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static MigrationOptions Options(RelayScenario scenario, ConnectionSpec? target = null) =>
        scenario.Options(o => o with { Method = MigrationMethod.Subscription, Target = target ?? o.Target });

    /// <summary>Waits until every PgMove slot on the source confirmed the source's current WAL position.</summary>
    public static async Task WaitAppliedAsync(RelayScenario scenario)
    {
        var lsn = await scenario.Source.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (!await scenario.Source.ScalarAsync<bool>(
                   $"SELECT coalesce(bool_and(confirmed_flush_lsn >= '{lsn}'), false) FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'"))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The subscriptions did not reach {lsn}: {RelayScenario.Describe(scenario.Latest())}");
            await Task.Delay(200);
        }
    }

    /// <summary>No slot of any kind and no PgMove publication on the source; no subscription or replication origin on the target.</summary>
    public static async Task AssertNothingLeftAsync(RelayScenario scenario)
    {
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Empty(await scenario.Source.ColumnAsync("SELECT slot_name FROM pg_replication_slots"));
        Assert.Empty(await scenario.Target.ColumnAsync("SELECT subname FROM pg_subscription"));
        Assert.Empty(await scenario.Target.ColumnAsync("SELECT roname FROM pg_replication_origin"));
    }

    /// <summary>pgbench's accounts, plus a table with a foreign key and a secondary index (post-data built after the sync).</summary>
    public static async Task CreateBankAsync(PgCluster source)
    {
        await source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(source, "bank", scale: 1);
        await source.ExecuteAsync(
            "CREATE TABLE notes (id bigserial PRIMARY KEY, aid int NOT NULL REFERENCES pgbench_accounts (aid), body text); " +
            "CREATE INDEX notes_body ON notes (body); " +
            "INSERT INTO notes (aid, body) SELECT g, 'note ' || g FROM generate_series(1, 500) g", "bank");
    }

    public static async Task AssertBankEqualAsync(RelayScenario scenario)
    {
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"));
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT last_value FROM pgbench_history_hid_seq", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT last_value FROM pgbench_history_hid_seq", "bank"));
    }
}
