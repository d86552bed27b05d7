namespace PgMove.Tests.Migrations;

/// <summary>
/// The applier merges a group's changes per row and writes them as sets: the target must still end exactly as the
/// source, including when the set way has to give up and apply the group again change by change. These two kinds
/// of change were tests of RelayMergedApplyTests; they now ride on RelayChangeTests' migration, one database each
/// (the applier groups per database, so the other databases do not change their groups).
/// </summary>
internal static class MergedApplyChanges
{
    public static IReadOnlyList<StreamedChange> All() => [ManyChangesToTheSameRows(), SwapOfUniqueValues()];

    /// <summary>Formerly RelayMergedApplyTests.Stream_ManyChangesToTheSameRows_ArriveAsTheirNetEffect.</summary>
    private static StreamedChange ManyChangesToTheSameRows()
    {
        const string db = "net_effect";
        return new(
            "ManyChangesToTheSameRows_ArriveAsTheirNetEffect", db,
            """
            CREATE TABLE stock (shop int, item text, qty int, note text, big text, PRIMARY KEY (shop, item));
            ALTER TABLE stock ALTER COLUMN big SET STORAGE EXTERNAL;
            CREATE TABLE events (id bigserial PRIMARY KEY, what text);
            INSERT INTO stock SELECT s, 'item ' || i, i, NULL, repeat(md5(s || ':' || i), 200) FROM generate_series(1, 3) s, generate_series(1, 50) i;
            """,
            async s =>
            {
                // One transaction: every transition of a row's state (insert→update→delete, delete→insert, update→update
                // with a TOAST value left out, update→delete), and a row updated back and forth.
                await s.Source.ExecuteAsync("""
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
                    """, db);
                // Many small transactions on the same rows: they fall into the same groups.
                for (var i = 0; i < 40; i++)
                    await s.Source.ExecuteAsync($"UPDATE stock SET qty = qty + 1, note = 'tick {i}' WHERE shop = 1 AND item IN ('item 2', 'item 3'); INSERT INTO events (what) VALUES ('tick {i}')", db);
            },
            async s =>
            {
                Assert.Equal(["1:101:reborn:new big value"], await s.Target.ColumnAsync("SELECT shop || ':' || qty || ':' || note || ':' || big FROM stock WHERE shop = 1 AND item = 'item 1'", db));
                Assert.Equal(["9:new:2:then updated:x"], await s.Target.ColumnAsync("SELECT shop || ':' || item || ':' || qty || ':' || note || ':' || big FROM stock WHERE shop = 9", db));
            });
    }

    /// <summary>Formerly RelayMergedApplyTests.Stream_SwapOfUniqueValues_IsAppliedInSourceOrderAfterTheSetWayConflicts.</summary>
    private static StreamedChange SwapOfUniqueValues()
    {
        const string db = "seats";
        return new(
            "SwapOfUniqueValues_IsAppliedInSourceOrderAfterTheSetWayConflicts", db,
            "CREATE TABLE seats (id int PRIMARY KEY, seat int UNIQUE, who text); INSERT INTO seats VALUES (1, 10, 'ann'), (2, 20, 'bob'), (3, 30, 'cid')",
            // Merged, ann and bob's rows would each take the other's seat in one statement: a unique violation that
            // the source's order (through a free seat) never had.
            s => s.Source.ExecuteAsync("""
                UPDATE seats SET seat = 99 WHERE id = 1;
                UPDATE seats SET seat = 10 WHERE id = 2;
                UPDATE seats SET seat = 20 WHERE id = 1;
                INSERT INTO seats VALUES (4, 40, 'dan');
                UPDATE seats SET who = 'cid again' WHERE id = 3;
                """, db),
            async s => Assert.Equal(["1:20:ann", "2:10:bob", "3:30:cid again", "4:40:dan"],
                await s.Target.ColumnAsync("SELECT id || ':' || seat || ':' || who FROM seats ORDER BY id", db)));
    }
}
