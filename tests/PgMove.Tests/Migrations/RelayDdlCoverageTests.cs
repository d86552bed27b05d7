using Npgsql;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// The DDL capture (see RelayDdlCaptureTests) on what an application's migrations do beyond tables and columns,
/// in one 15 → 17 scenario under two concurrent writers: DDL inside a user's savepoints (kept, rolled back, nested),
/// partitions (created, attached, detached, rows routed to the new ones), row-level security and policies,
/// GRANT/REVOKE and default privileges, extensions, functions and procedures, triggers, comments, domains and
/// composite types. The committed DDL is applied once, the rolled-back never, every row lands, and the catalogs
/// of both servers read the same (SchemaShape) before and after the cutover.
/// </summary>
public sealed class RelayDdlCoverageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private const string Schema =
        "CREATE TABLE customers (id int PRIMARY KEY, name text, amount int); " +
        "INSERT INTO customers SELECT g, 'c' || g, g FROM generate_series(1, 200) g; " +
        "CREATE TABLE ticks (id bigserial PRIMARY KEY, note text); " +
        "CREATE TABLE events (id int NOT NULL, at date NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at); " +
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); " +
        "INSERT INTO events SELECT g, date '2024-01-01' + g, 'copied' FROM generate_series(1, 100) g; " +
        // A role on both servers (roles are copied at the start) for the grants and policies.
        "CREATE ROLE reader";

    /// <summary>
    /// One source transaction, statement by statement on one session (as an application's migration tool sends
    /// them): DDL in a savepoint released, in one rolled back with rows that used it, and in nested savepoints.
    /// </summary>
    private static readonly string[] Savepoints =
    [
        "BEGIN",
        "INSERT INTO customers (id, name, amount) VALUES (1001, 'before the savepoint', 1)",
        "SAVEPOINT kept",
        "ALTER TABLE customers ADD COLUMN loyalty int DEFAULT 0",
        // A table made in the savepoint and written to at once.
        "CREATE TABLE kept_made (id int PRIMARY KEY, v text)",
        "INSERT INTO kept_made VALUES (1, 'a'), (2, 'b')",
        "UPDATE customers SET loyalty = 5 WHERE id <= 10",
        "RELEASE SAVEPOINT kept",
        "SAVEPOINT undone",
        "ALTER TABLE customers ADD COLUMN never int",
        "CREATE TABLE never_made (id int PRIMARY KEY)",
        "INSERT INTO never_made VALUES (1)",
        "UPDATE customers SET never = 1 WHERE id <= 10",
        "ROLLBACK TO SAVEPOINT undone",
        "INSERT INTO customers (id, name, amount, loyalty) VALUES (1002, 'after the rollback', 2, 7)",
        "SAVEPOINT outer_point",
        "CREATE INDEX customers_loyalty ON customers (loyalty)",
        "SAVEPOINT inner_point",
        "ALTER TABLE kept_made ADD COLUMN gone text",
        "INSERT INTO kept_made VALUES (3, 'c', 'gone')",
        "ROLLBACK TO SAVEPOINT inner_point",
        "INSERT INTO kept_made VALUES (4, 'd')",
        "RELEASE SAVEPOINT outer_point",
        "COMMIT",
        // A whole transaction with DDL, rolled back.
        "BEGIN",
        "CREATE TABLE rolled_back (id int)",
        "INSERT INTO rolled_back VALUES (1)",
        "ROLLBACK",
    ];

    /// <summary>Each its own transaction; the DDL ones are counted by <see cref="CarriedInSteps"/>.</summary>
    private static readonly string[] Steps =
    [
        // Partitions: a new one with rows routed to it; a table attached, then rows routed to it; one detached
        // (CONCURRENTLY: two transactions on the source), then written to as a table of its own.
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO events SELECT g, date '2025-01-01' + g, 'routed' FROM generate_series(1, 50) g",
        "CREATE TABLE events_2026 (id int NOT NULL, at date NOT NULL, v text)",
        "INSERT INTO events_2026 VALUES (1, '2026-02-01', 'before the attach')",
        "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "INSERT INTO events VALUES (2, '2026-03-01', 'routed after the attach')",
        "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY",
        "INSERT INTO events_2024 VALUES (9999, '2024-12-31', 'a table of its own')",
        // Row-level security and policies.
        "ALTER TABLE customers ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY positive ON customers FOR SELECT TO reader USING (amount > 0)",
        "CREATE POLICY bounded ON customers AS RESTRICTIVE FOR UPDATE TO reader USING (id < 1000) WITH CHECK (amount >= 0)",
        "ALTER POLICY positive ON customers USING (amount > 1)",
        "UPDATE customers SET amount = amount + 1 WHERE id <= 5",
        // Privileges.
        "GRANT SELECT, INSERT, UPDATE ON customers TO reader",
        "REVOKE INSERT ON customers FROM reader",
        "GRANT UPDATE (v) ON events TO reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader",
        // Extensions shipped with PostgreSQL, and what uses them.
        "CREATE EXTENSION pg_trgm",
        "CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops)",
        "CREATE EXTENSION citext",
        "ALTER TABLE customers ADD COLUMN email citext",
        "UPDATE customers SET email = 'C' || id || '@Example.org' WHERE id <= 20",
        // Functions and procedures: bodies with semicolons and DDL words inside.
        "CREATE FUNCTION add_tax(n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT n * 1.2 $$",
        "CREATE OR REPLACE FUNCTION add_tax(n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT n * 1.25 $$",
        "CREATE FUNCTION scratch() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "DROP FUNCTION scratch()",
        "CREATE PROCEDURE bump(step int) LANGUAGE plpgsql AS $body$ BEGIN UPDATE customers SET amount = amount + step WHERE id <= 3; RAISE NOTICE 'no CREATE TABLE here; %', step; END $body$",
        "CALL bump(2)",
        "ALTER FUNCTION add_tax(numeric) RENAME TO with_tax",
        "ALTER PROCEDURE bump(int) SET search_path = public",
        // A trigger on the table the first writer fills: on the target the rows arrive as the source made them
        // (the trigger must not fire there a second time).
        "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := NEW.note || '+'; RETURN NEW; END $$",
        "CREATE TRIGGER ticks_stamp BEFORE INSERT ON ticks FOR EACH ROW EXECUTE FUNCTION stamp()",
        "CREATE TRIGGER customers_stamp BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION stamp()",
        "DROP TRIGGER customers_stamp ON customers",
        // Comments.
        "COMMENT ON TABLE customers IS 'who buys'",
        "COMMENT ON COLUMN customers.name IS 'as printed'",
        "COMMENT ON FUNCTION with_tax(numeric) IS 'the price with tax'",
        "COMMENT ON POLICY positive ON customers IS 'readers see positive amounts'",
        // Domains and composite types, used by a table.
        "CREATE DOMAIN positive_int AS int CHECK (VALUE > 0)",
        "ALTER TABLE customers ADD COLUMN visits positive_int DEFAULT 1",
        "ALTER DOMAIN positive_int ADD CONSTRAINT below_million CHECK (VALUE < 1000000)",
        "UPDATE customers SET visits = 7 WHERE id <= 4",
        "CREATE TYPE address AS (street text, city text)",
        "ALTER TABLE customers ADD COLUMN addr address",
        "UPDATE customers SET addr = ROW('Main St', 'Oslo') WHERE id <= 3",
        "ALTER TYPE address ADD ATTRIBUTE zip text CASCADE",
        "UPDATE customers SET addr = ROW('Side St', 'Bergen', '5003') WHERE id = 4",
    ];

    // The DDL of Steps: all but the INSERTs, UPDATEs and the CALL.
    private static readonly int CarriedInSteps = Steps.Count(s => !s.StartsWith("INSERT", StringComparison.Ordinal) && !s.StartsWith("UPDATE", StringComparison.Ordinal) && !s.StartsWith("CALL", StringComparison.Ordinal));

    // The DDL of Savepoints that committed: the column, the table and the index.
    private const int CarriedInSavepoints = 3;

    [SkippableFact]
    public async Task Stream_SavepointsAndEveryObjectKindUnderLoad_CommittedDdlAppliedOnce_SameDataAndCatalogs()
    {
        await using var scenario = await RelayScenario.StartAsync();
        const string available = "SELECT count(*) FROM pg_available_extensions WHERE name IN ('pg_trgm', 'citext')";
        Skip.If(await scenario.Source.ScalarAsync<long>(available) < 2 || await scenario.Target.ScalarAsync<long>(available) < 2,
            "pg_trgm and citext (PostgreSQL's contrib) are not installed on both servers.");
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(Schema, "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);
        using var watching = new CancellationTokenSource();
        var phases = scenario.WatchPhasesAsync("shop", watching.Token);
        // Two other sessions write throughout: into the table that gets a trigger, and into the one most DDL changes.
        await using var ticks = new Trickle(scenario.Source, "shop");
        await using var updates = new Trickle(scenario.Source, "shop", "UPDATE customers SET amount = amount + 1 WHERE id = 1 + (random() * 199)::int");
        ticks.Start();
        updates.Start();
        await ticks.WaitForAsync(20);

        await using (var session = await scenario.Source.OpenAsync("shop"))
        {
            foreach (var statement in Savepoints)
            {
                await using var command = new NpgsqlCommand(statement, session);
                await command.ExecuteNonQueryAsync();
            }
        }
        foreach (var step in Steps)
            await scenario.Source.ExecuteAsync(step, "shop");
        await ticks.WaitForAsync(ticks.Count + 20);
        await updates.WaitForAsync(updates.Count + 20);
        await ticks.StopAsync();
        await updates.StopAsync();

        var caughtUp = await run.WaitCaughtUpAsync(Timeout);
        await watching.CancelAsync();
        Assert.Equal(["Streaming"], await phases); // never stopped
        Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
        // Each committed DDL once; the rolled-back ones never (the target would refuse a second ADD COLUMN).
        Assert.Equal(CarriedInSavepoints + CarriedInSteps, caughtUp.Databases.Single(d => d.Name == "shop").DdlApplied);
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>(
            "SELECT count(*) FROM pg_attribute WHERE attname IN ('never', 'gone') AND NOT attisdropped AND attrelid IN ('customers'::regclass, 'kept_made'::regclass)", "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname IN ('never_made', 'rolled_back')", "shop"));
        Assert.Equal("1,2,4", await scenario.Target.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM kept_made", "shop"));
        Assert.Equal(50, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM events_2025", "shop"));
        Assert.Equal(2, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM events_2026", "shop"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");

        await run.CutoverAsync(Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
