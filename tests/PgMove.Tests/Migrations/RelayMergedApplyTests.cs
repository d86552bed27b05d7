using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// The applier merges a group's changes per row and writes them as sets: the target must still end exactly as
/// the source, including when the set way has to give up and apply the group again change by change.
/// </summary>
public sealed class RelayMergedApplyTests
{
    [SkippableFact]
    public async Task Stream_ManyChangesToTheSameRows_ArriveAsTheirNetEffect()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("""
            CREATE TABLE stock (shop int, item text, qty int, note text, big text, PRIMARY KEY (shop, item));
            ALTER TABLE stock ALTER COLUMN big SET STORAGE EXTERNAL;
            CREATE TABLE events (id bigserial PRIMARY KEY, what text);
            INSERT INTO stock SELECT s, 'item ' || i, i, NULL, repeat(md5(s || ':' || i), 200) FROM generate_series(1, 3) s, generate_series(1, 50) i;
            """, "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);

        // One transaction: every transition of a row's state (insert→update→delete, delete→insert, update→update
        // with a TOAST value left out, update→delete), and a row updated back and forth.
        await scenario.Source.ExecuteAsync("""
            INSERT INTO stock VALUES (9, 'new', 1, 'inserted', 'x');
            UPDATE stock SET qty = qty + 1 WHERE shop = 9;
            UPDATE stock SET note = 'then updated' WHERE shop = 9;
            INSERT INTO stock VALUES (9, 'short-lived', 1, NULL, NULL);
            DELETE FROM stock WHERE shop = 9 AND item = 'short-lived';
            DELETE FROM stock WHERE shop = 1 AND item = 'item 1';
            INSERT INTO stock VALUES (1, 'item 1', 100, 'reborn', 'new big value');
            UPDATE stock SET qty = 101 WHERE shop = 1 AND item = 'item 1';
            UPDATE stock SET qty = qty * 10 WHERE shop = 2;
            UPDATE stock SET note = 'noted' WHERE shop = 2 AND item LIKE 'item 1%';
            UPDATE stock SET qty = -1 WHERE shop = 3 AND item = 'item 3';
            DELETE FROM stock WHERE shop = 3 AND item = 'item 3';
            UPDATE stock SET note = 'a' WHERE shop = 3 AND item = 'item 4';
            UPDATE stock SET note = NULL WHERE shop = 3 AND item = 'item 4';
            INSERT INTO events (what) SELECT 'event ' || g FROM generate_series(1, 100) g;
            DELETE FROM events WHERE id % 3 = 0;
            UPDATE events SET what = upper(what) WHERE id % 5 = 0;
            """, "shop");
        // Many small transactions on the same rows: they fall into the same groups.
        for (var i = 0; i < 40; i++)
            await scenario.Source.ExecuteAsync($"UPDATE stock SET qty = qty + 1, note = 'tick {i}' WHERE shop = 1 AND item IN ('item 2', 'item 3'); INSERT INTO events (what) VALUES ('tick {i}')", "shop");

        await run.WaitCaughtUpAsync();
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(["1:101:reborn:new big value"], await scenario.Target.ColumnAsync("SELECT shop || ':' || qty || ':' || note || ':' || big FROM stock WHERE shop = 1 AND item = 'item 1'", "shop"));
        Assert.Equal(["9:new:2:then updated:x"], await scenario.Target.ColumnAsync("SELECT shop || ':' || item || ':' || qty || ':' || note || ':' || big FROM stock WHERE shop = 9", "shop"));
        await run.CutoverAsync();
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Stream_SwapOfUniqueValues_IsAppliedInSourceOrderAfterTheSetWayConflicts()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE seats (id int PRIMARY KEY, seat int UNIQUE, who text); INSERT INTO seats VALUES (1, 10, 'ann'), (2, 20, 'bob'), (3, 30, 'cid')", "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);

        // Merged, ann and bob's rows would each take the other's seat in one statement: a unique violation that
        // the source's order (through a free seat) never had.
        await scenario.Source.ExecuteAsync("""
            UPDATE seats SET seat = 99 WHERE id = 1;
            UPDATE seats SET seat = 10 WHERE id = 2;
            UPDATE seats SET seat = 20 WHERE id = 1;
            INSERT INTO seats VALUES (4, 40, 'dan');
            UPDATE seats SET who = 'cid again' WHERE id = 3;
            """, "shop");

        await run.WaitCaughtUpAsync();
        Assert.Equal(["1:20:ann", "2:10:bob", "3:30:cid again", "4:40:dan"],
            await scenario.Target.ColumnAsync("SELECT id || ':' || seat || ':' || who FROM seats ORDER BY id", "shop"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await run.CutoverAsync();
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

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
