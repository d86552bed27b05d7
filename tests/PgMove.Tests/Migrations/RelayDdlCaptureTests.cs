using System.Diagnostics;
using System.Globalization;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// DDL on the source carried by the relay's DDL capture: an application's schema migration runs on the source
/// under a write load, the migration never leaves syncing, and after the cutover data and schema (read from both
/// catalogs) are the same. What cannot be carried stops the database with the statement; the capture never
/// makes a user's DDL fail, and nothing of it is left on the source after stop, cutover or a failed start.
/// </summary>
public sealed class RelayDdlCaptureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>An application-style schema migration, step by step (each its own call: one transaction each).</summary>
    private static readonly string[] ApplicationMigration =
    [
        // A column with a default, filled in the same transaction.
        "ALTER TABLE customers ADD COLUMN status text NOT NULL DEFAULT 'new'; UPDATE customers SET status = 'old' WHERE id <= 100",
        // A new table with a foreign key and an index, written to at once.
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), total numeric(10,2)); " +
        "CREATE INDEX orders_customer ON orders (customer_id); INSERT INTO orders (customer_id, total) SELECT id, id * 1.5 FROM customers WHERE id <= 50",
        "ALTER TABLE customers RENAME COLUMN name TO full_name",
        "UPDATE customers SET full_name = full_name || '!' WHERE id <= 10",
        "ALTER TABLE customers DROP COLUMN legacy",
        "INSERT INTO customers (id, full_name, amount) VALUES (1001, 'after drop', 7)",
        "ALTER TABLE customers ALTER COLUMN amount TYPE bigint",
        "UPDATE customers SET amount = amount * 10000000000 WHERE id <= 5",
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); ALTER TABLE customers ADD COLUMN mood mood DEFAULT 'ok'",
        "ALTER TYPE mood ADD VALUE 'happy'",
        "UPDATE customers SET mood = 'happy' WHERE id <= 20",
        "CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 10",
        "CREATE INDEX CONCURRENTLY customers_status ON customers (status)",
        "DROP TABLE doomed",
        "CREATE TABLE order_summary AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id",
        "INSERT INTO order_summary VALUES (999, 1)",
        "SELECT id, full_name INTO customer_names FROM customers WHERE id <= 30",
        "CREATE TEMP TABLE scratch AS SELECT 1 AS x; DROP TABLE scratch",
        // The source's search_path and role: the table lands in the same schema with the same owner.
        "CREATE SCHEMA sales",
        "SET search_path = sales, public; CREATE TABLE leads (id int PRIMARY KEY, customer_id int REFERENCES customers (id)); INSERT INTO leads VALUES (1, 1)",
        "SET ROLE app; CREATE TABLE app_notes (id int PRIMARY KEY, note text); INSERT INTO app_notes VALUES (1, 'mine')",
    ];

    private const string Schema =
        "CREATE TABLE customers (id int PRIMARY KEY, name text, legacy text, amount int); " +
        "INSERT INTO customers SELECT g, 'c' || g, 'l' || g, g FROM generate_series(1, 200) g; " +
        "CREATE TABLE doomed (id int PRIMARY KEY); INSERT INTO doomed SELECT generate_series(1, 10); " +
        "CREATE TABLE ticks (id bigserial PRIMARY KEY, note text); " +
        "CREATE ROLE app; GRANT CREATE ON SCHEMA public TO app";

    [SkippableTheory]
    [InlineData(15, 17)]
    [InlineData(14, 18)]
    public async Task Stream_ApplicationMigrationUnderLoad_CarriesEveryDdl_SameDataAndSchema(int sourceMajor, int targetMajor)
    {
        await using var scenario = await RelayScenario.StartAsync(new ClusterOptions { Major = sourceMajor }, new ClusterOptions { Major = targetMajor });
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(Schema, "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);
        using var watching = new CancellationTokenSource();
        var phases = scenario.WatchPhasesAsync("shop", watching.Token);
        await using var trickle = new Trickle(scenario.Source, "shop");
        trickle.Start();
        await trickle.WaitForAsync(20);

        foreach (var step in ApplicationMigration)
            await scenario.Source.ExecuteAsync(step, "shop");
        await trickle.WaitForAsync(trickle.Count + 20);
        await trickle.StopAsync();

        var caughtUp = await run.WaitCaughtUpAsync(Timeout);
        await watching.CancelAsync();
        Assert.Equal(["Streaming"], await phases); // never stopped
        Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
        var shop = caughtUp.Databases.Single(d => d.Name == "shop");
        // Every DDL statement of the migration but the temporary table's two.
        Assert.Equal(17, shop.DdlApplied);
        Assert.Equal("app", await scenario.Target.ScalarAsync<string>("SELECT tableowner FROM pg_tables WHERE tablename = 'app_notes'", "shop"));
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM sales.leads", "shop"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM order_summary", "shop"),
            await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM order_summary", "shop"));
        Assert.Equal(30, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM customer_names", "shop"));

        await run.CutoverAsync(Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>A DDL the capture cannot carry, in a database of its own: the reason and statement its stop must name.</summary>
    private sealed record ByHandCase(string Database, Func<RelayScenario, string, Task> Ddl, string Reason, string Statement)
    {
        public override string ToString() => Database;
    }

    /// <summary>
    /// The DDL cannot be carried: the database stops before its transaction with the statement and the reason;
    /// the user makes the change on the target, and the resumed stream passes the DDL and applies the rows. Two
    /// cases, one database each, in one migration (formerly two tests, each with its own pair of clusters):
    /// DDL mixed with DML in one query string (Stream_DdlMixedWithDmlInOneQueryString_…) and a capture that fails
    /// while the user's DDL succeeds (Stream_CaptureFails_UsersDdlSucceeds_…).
    /// </summary>
    [SkippableFact]
    public async Task Stream_DdlMixedWithDmlInOneQueryString_OrCaptureFails_StopsWithTheStatement_ResumesAfterTheFixByHand()
    {
        ByHandCase[] cases =
        [
            new("mixed",
                // psql sends the whole string as one query: both statements share it.
                (scenario, db) => PsqlAsync(scenario.Source, db, "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0; UPDATE busy SET extra = 1 WHERE id <= 10"),
                "mixes DDL with other statements",
                "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0; UPDATE busy SET extra = 1 WHERE id <= 10"),
            new("capture_fails",
                async (scenario, db) =>
                {
                    await using var connection = await scenario.Source.OpenAsync(db);
                    await using (var fail = new Npgsql.NpgsqlCommand("SET pgmove.fail_ddl_capture = on", connection))
                        await fail.ExecuteNonQueryAsync();
                    // The user's DDL succeeds although the capture's work fails.
                    await using (var ddl = new Npgsql.NpgsqlCommand("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0", connection))
                        await ddl.ExecuteNonQueryAsync();
                    Assert.Equal(1, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'extra'", db));
                    await scenario.Source.ExecuteAsync("UPDATE busy SET extra = 1 WHERE id <= 10", db);
                },
                "the capture on the source failed (the capture was made to fail",
                "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0"),
        ];
        await using var scenario = await RelayScenario.StartAsync();
        foreach (var c in cases)
        {
            await scenario.Source.ExecuteAsync($"CREATE DATABASE {c.Database}");
            await scenario.Source.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 200) g", c.Database);
        }
        await using (var first = await RelayRun.StartSyncingAsync(scenario))
        {
            foreach (var c in cases)
            {
                await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (1001, 'before')", c.Database);
                await c.Ddl(scenario, c.Database);
                await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (1002, 'after', 2)", c.Database);
            }
            // The record's error, which names every stopped database, written since the last of them stopped.
            var failed = await scenario.WaitForAsync(
                r => r.Error is not null && cases.All(c => r.Databases.Any(d => d.Name == c.Database && d.Phase == DatabasePhase.Failed
                    && d.LastError is not null && r.Error.Contains(d.LastError, StringComparison.Ordinal))),
                Timeout, first.Task);
            // Each database's own error (its message and fix), as the record's error carries it.
            await EachCase.CheckAsync(cases, "when stopped", c =>
            {
                var error = failed.Databases.Single(d => d.Name == c.Database).LastError!;
                Assert.Contains(error, failed.Error, StringComparison.Ordinal);
                Assert.Contains("cannot repeat safely", error, StringComparison.Ordinal);
                Assert.Contains(c.Reason, error, StringComparison.Ordinal);
                Assert.Contains(c.Statement, error, StringComparison.Ordinal);
                Assert.Contains($"Make the same schema change on the target, in database {c.Database}", error, StringComparison.Ordinal);
                return Task.CompletedTask;
            });
        }
        // Stopped before the DDL's transaction: what came before is applied, nothing after.
        await EachCase.CheckAsync(cases, "after the stop", async c =>
        {
            Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1001", c.Database));
            Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1002", c.Database));
        });

        foreach (var c in cases)
            await scenario.Target.ExecuteAsync("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0", c.Database);
        await using var resumed = await RelayRun.StartSyncingAsync(scenario);
        foreach (var c in cases)
            await scenario.Source.ExecuteAsync("ALTER TABLE busy ADD COLUMN carried int; UPDATE busy SET carried = id WHERE id <= 3", c.Database);
        var caughtUp = await resumed.WaitCaughtUpAsync(Timeout);
        Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
        await EachCase.CheckAsync(cases, "once caught up after the resume", async c =>
        {
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, c.Database);
            await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, c.Database);
            Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM _pgmove.ddl_held", c.Database));
        });
        await resumed.CutoverAsync(Timeout);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Stop_RemovesTheCapture()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY)", "shop");
        string id;
        await using (var run = await RelayRun.StartSyncingAsync(scenario))
        {
            id = run.Runner.Id;
            Assert.Equal(3, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'pgmove%'", "shop"));
            Assert.Equal(3, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'pgmove%'", "postgres"));
            scenario.Request("stop");
            var stopped = await run.Task.WaitAsync(Timeout);
            Assert.Equal(MigrationStatus.Canceled, stopped.Status);
        }
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = '_pgmove'", "shop"));
        // DDL after the stop runs as ever.
        await scenario.Source.ExecuteAsync("ALTER TABLE items ADD COLUMN later int", "shop");
    }

    [SkippableFact]
    public async Task Start_FailsBeforeAnyCopy_RemovesTheCapture()
    {
        await using var scenario = await RelayScenario.StartAsync();
        // A tablespace the target lacks: the schema's restore fails after the slot and the capture were made.
        var space = Path.Combine(scenario.Source.Root, "space");
        Directory.CreateDirectory(space);
        PostgresUser.Chown(space);
        await scenario.Source.ExecuteAsync($"CREATE TABLESPACE elsewhere LOCATION '{space}'");
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY) TABLESPACE elsewhere", "shop");
        using var detach = new CancellationTokenSource();
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { IgnoreDatabases = ["postgres"] }), detach.Token);
        var failed = await run.WaitAsync(Timeout);
        Assert.True(failed.Status == MigrationStatus.Error, RelayScenario.Describe(failed));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_KilledBetweenTheDdlAndItsRows_ResumesWithTheDdlAppliedOnce()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 100000) g", "shop");
        var environment = scenario.CliEnvironment();
        string[] start = ["start", "--state", scenario.StatePath, "--jobs", "2"];
        await using (var first = PgMoveProcess.Start(environment, start))
        {
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == first.Id, Timeout);
            // The window between the DDL and its rows held open on the target, not caught by timing: a trigger there (fired
            // by the apply too) makes the first row wait for an advisory lock this test holds.
            await scenario.Target.ExecuteAsync(
                "CREATE FUNCTION hold_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(20261205); RETURN NEW; END $$; " +
                "CREATE TRIGGER hold_rows BEFORE UPDATE ON busy FOR EACH ROW EXECUTE FUNCTION hold_rows(); ALTER TABLE busy ENABLE ALWAYS TRIGGER hold_rows", "shop");
            await using (var holder = await scenario.Target.OpenAsync("shop"))
            {
                await using (var hold = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(20261205)", holder))
                    await hold.ExecuteNonQueryAsync();
                // One transaction: the DDL, then 100,000 rows that need it.
                await scenario.Source.ExecuteAsync("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0; UPDATE busy SET extra = id % 1000", "shop");
                // The DDL ran on the target (its lock is held until the group with the rows commits) and the first row waits.
                var deadline = DateTimeOffset.UtcNow + Timeout;
                while (await scenario.Target.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'busy' AND l.mode = 'AccessExclusiveLock' AND l.granted " +
                    "AND EXISTS (SELECT 1 FROM pg_locks w WHERE w.locktype = 'advisory' AND NOT w.granted AND w.pid = l.pid)", "shop") == 0)
                {
                    Assert.True(DateTimeOffset.UtcNow < deadline, "the DDL never ran on the target: " + first.Output);
                    await Task.Delay(100);
                }
                await first.KillAsync();
            }
            // The killed apply's transaction ends (rolled back) once its rows go on; the trigger goes with it, so that both
            // servers have the same schema again.
            await scenario.Target.ExecuteAsync("DROP TRIGGER hold_rows ON busy; DROP FUNCTION hold_rows()", "shop");
            Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'extra'", "shop"));
        }

        await using var second = PgMoveProcess.Start(environment, start);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == second.Id, Timeout);
        await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (200001, 'after the resume', 7)", "shop");
        var caughtUp = await scenario.WaitCaughtUpAsync(Timeout);
        Assert.True(caughtUp.Databases.All(d => d.Phase == DatabasePhase.Streaming), RelayScenario.Describe(caughtUp) + second.Output);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(code == 0, output + "\n" + second.Output);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_NoDdlCapture_InstallsNoEventTrigger_DdlStopsTheDatabaseWithTheStatementToRun()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 200) g", "shop");
        var environment = scenario.CliEnvironment();
        await using var process = PgMoveProcess.Start(environment, "start", "--no-ddl-capture", "--state", scenario.StatePath, "--jobs", "2");
        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == process.Id, Timeout);
        Assert.False(syncing.CaptureDdl); // kept for a resume
        foreach (var database in new[] { "shop", "postgres" })
        {
            Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'pgmove%'", database));
            Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = '_pgmove'", database));
        }

        // As without the capture: the database stops at the first transaction that needs the new shape.
        await scenario.Source.ExecuteAsync("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0", "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (1001, 'after', 1)", "shop");
        var failed = await scenario.WaitForAsync(r => r.Databases.Any(d => d.Name == "shop" && d.Phase == DatabasePhase.Failed), Timeout);
        Assert.Contains("Run on the target, in database shop: ALTER TABLE \"public\".\"busy\" ADD COLUMN \"extra\" integer", failed.Error, StringComparison.Ordinal);
        Assert.Equal(0, failed.Databases.Single(d => d.Name == "shop").DdlApplied);

        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "stop", "--state", scenario.StatePath);
        Assert.True(code == 0, output + "\n" + process.Output);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>Runs <paramref name="sql"/> as one query string (psql -c), as an application's migration tool may send it.</summary>
    private static async Task PsqlAsync(PgCluster cluster, string database, string sql)
    {
        var psi = new ProcessStartInfo(Path.Combine(PgInstallations.DebianBinDir, "psql"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", cluster.Host, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql })
            psi.ArgumentList.Add(arg);
        psi.Environment["PGPASSWORD"] = PgCluster.SuperuserPassword;
        psi.Environment["PGSSLMODE"] = cluster.Options.Ssl ? "require" : "disable";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        Assert.True(process.ExitCode == 0, await stdout + await stderr);
    }

}
