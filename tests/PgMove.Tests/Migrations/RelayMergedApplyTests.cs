using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// The applier merges a group's changes per row and writes them as sets: the target must still end exactly as
/// the source, including when the set way has to give up and apply the group again change by change. The kinds
/// of change that end in a cutover (many changes to the same rows, a swap of unique values) ride on RelayChangeTests'
/// migration (see <see cref="MergedApplyChanges"/>); the row missing on the target ends with a stop, here.
/// </summary>
public sealed class RelayMergedApplyTests
{
    [SkippableFact]
    public async Task Stream_RowMissingOnTarget_RestOfTheGroupStillAppliedAndStreamingGoesOn()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'copied' FROM generate_series(1, 10) g", "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);

        // Someone deleted a row on the target; the source then updates it among other changes. The set-based
        // UPDATE touches one row fewer than it should: the group is applied again change by change, where (as in
        // PostgreSQL's own apply) an UPDATE of a missing row does nothing, and every other change lands.
        await scenario.Target.ExecuteAsync("DELETE FROM t WHERE id = 5", "shop");
        await scenario.Source.ExecuteAsync("UPDATE t SET v = 'streamed' WHERE id IN (4, 5, 6); INSERT INTO t VALUES (11, 'new')", "shop");
        await scenario.Source.ExecuteAsync("UPDATE t SET v = 'later' WHERE id = 7", "shop");

        var record = await run.WaitCaughtUpAsync();
        Assert.Equal(MigrationStatus.Syncing, record.Status);
        Assert.Equal(["4:streamed", "6:streamed", "7:later", "11:new"],
            await scenario.Target.ColumnAsync("SELECT id || ':' || v FROM t WHERE v <> 'copied' ORDER BY id", "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM t WHERE id = 5", "shop"));
        scenario.Request("stop");
        var stopped = await run.Task.WaitAsync(RelayRun.DefaultTimeout);
        Assert.True(stopped.Status == MigrationStatus.Canceled, RelayScenario.Describe(stopped));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
