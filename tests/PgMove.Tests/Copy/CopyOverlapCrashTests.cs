using System.Diagnostics;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Copy;

/// <summary>
/// The copy workers build each table's indexes and constraints as soon as its rows are in, while other tables still
/// copy. pgmove killed (SIGKILL) in the middle of those builds: the re-run copies the database again and ends with the
/// same rows and the same schema as the source, every index valid; foreign keys and triggers never acted during the load.
/// </summary>
public sealed class CopyOverlapCrashTests(ITestOutputHelper log)
{
    private const int Tables = 30;

    [SkippableFact]
    public async Task Copy_KilledDuringOverlappedIndexBuilds_RerunEndsWithSameDataSchemaAndValidIndexes()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await SeedAsync(scenario);
        var environment = PgMoveProcess.Environment(scenario.Source.Port, scenario.Target.Port);
        var firstLog = Path.Combine(scenario.StateDirectory, "first.log");
        string[] Args(string logFile) => ["copy", "--jobs", "2", "--state", scenario.StatePath, "--log-file", logFile, "--no-roles"];

        await using (var first = PgMoveProcess.Start(environment, Args(firstLog)))
        {
            // The first table whose indexes are built: others are still copying or waiting for their builds.
            await WaitForLineAsync(first, firstLog, line => line.Contains("\"Kind\":\"build\"", StringComparison.Ordinal) && line.Contains("\"Database\":\"shop\"", StringComparison.Ordinal));
            await first.KillAsync();
        }
        log.WriteLine($"killed after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("copying", scenario.JournalStatus("shop"));

        var rerunLog = Path.Combine(scenario.StateDirectory, "rerun.log");
        var (code, output) = await PgMoveProcess.RunAsync(environment, TimeSpan.FromMinutes(10), Args(rerunLog));
        Assert.True(code == 0, output);
        Assert.Equal("done", scenario.JournalStatus("shop"));
        var events = (await File.ReadAllLinesAsync(rerunLog)).Where(l => l.Contains("\"Database\":\"shop\"", StringComparison.Ordinal)).ToList();
        Assert.Contains(events, l => l.Contains("\"Kind\":\"redo\"", StringComparison.Ordinal));
        // Overlap: a table's build came before another table's rows were in.
        var firstBuild = events.FindIndex(l => l.Contains("\"Kind\":\"build\"", StringComparison.Ordinal));
        var lastTable = events.FindLastIndex(l => l.Contains("\"Kind\":\"table\"", StringComparison.Ordinal));
        Assert.True(firstBuild >= 0 && firstBuild < lastTable, $"no build before the last table copied (build {firstBuild}, last table {lastTable})");

        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(await SchemaShape.TakeAsync(scenario.Source, "shop"), await SchemaShape.TakeAsync(scenario.Target, "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready", "shop"));
        // Built before the per-table ANALYZE: the expression index and the extended statistics have their samples.
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE c.relkind = 'r' AND s.last_analyze IS NULL", "shop"));
        Assert.True(await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_stats WHERE tablename = 't01_lower_name'", "shop") > 0);
        Assert.True(await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_stats_ext WHERE statistics_name = 'orders_stats' AND n_distinct IS NOT NULL", "shop") > 0);
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// With enough tables the pre-data schema is restored in parts while the first tables' rows copy (each part's
    /// plain tables released as it commits; a table with a serial, a domain, a check calling a function or a partition
    /// waits for the whole schema). Killed at the first table copied, while later parts are restored or still to come:
    /// the re-run ends with the same rows, sequences and schema.
    /// </summary>
    [SkippableFact]
    public async Task Copy_KilledWhileThePreDataSchemaIsRestoredInParts_RerunEndsWithSameDataAndSchema()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE parts");
        // PreDataChunks.SplitFrom tables: the fewest that are restored in parts.
        await scenario.Source.ExecuteAsync("""
            CREATE FUNCTION positive(v int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT v > 0';
            CREATE DOMAIN label AS text CHECK (VALUE <> '');
            DO $$ BEGIN FOR i IN 1..300 LOOP
                EXECUTE format('CREATE TABLE p%s (id int PRIMARY KEY, n int CHECK (n > 0), l text)', i);
                EXECUTE format('INSERT INTO p%s SELECT g, g, ''row '' || g FROM generate_series(1, 10) g', i);
            END LOOP; END $$;
            -- Tables that wait for the whole schema: a later part sets the serial's default and attaches the
            -- partitions; the domain's and the function's checks may lock other relations during the COPY.
            CREATE TABLE waits_serial (id serial PRIMARY KEY, v text);
            INSERT INTO waits_serial (v) SELECT 'row ' || g FROM generate_series(1, 10) g;
            CREATE TABLE waits_domain (id int PRIMARY KEY, l label);
            INSERT INTO waits_domain SELECT g, 'row ' || g FROM generate_series(1, 10) g;
            CREATE TABLE waits_check (id int PRIMARY KEY, n int CHECK (positive(n)));
            INSERT INTO waits_check SELECT g, g FROM generate_series(1, 10) g;
            CREATE TABLE waits_parts (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE waits_parts_2025 PARTITION OF waits_parts FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE waits_parts_2026 PARTITION OF waits_parts FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO waits_parts SELECT g, date '2025-01-01' + g * 40 FROM generate_series(1, 10) g;
            """, "parts");
        // Released as soon as their part is in: the plain tables, and none of the others.
        var early = await scenario.Source.ColumnAsync(
            $"SELECT c.oid::regclass::text FROM ({PgMove.Core.Catalog.SqlResources.Get("Copy/Sql/early_release_tables.sql")}) e JOIN pg_class c ON c.oid = e.oid ORDER BY 1", "parts");
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"p{i}").Order(StringComparer.Ordinal), early.Order(StringComparer.Ordinal));
        var environment = PgMoveProcess.Environment(scenario.Source.Port, scenario.Target.Port);
        var firstLog = Path.Combine(scenario.StateDirectory, "parts-first.log");
        string[] Args(string logFile) => ["copy", "--jobs", "2", "--state", scenario.StatePath, "--log-file", logFile, "--no-roles"];

        await using (var first = PgMoveProcess.Start(environment, Args(firstLog)))
        {
            await WaitForLineAsync(first, firstLog, line => line.Contains("\"Kind\":\"table\"", StringComparison.Ordinal) && line.Contains("\"Database\":\"parts\"", StringComparison.Ordinal));
            await first.KillAsync();
        }
        var schemaWasIn = (await File.ReadAllLinesAsync(firstLog)).Any(l => l.Contains("the pre-data schema is in", StringComparison.Ordinal));
        log.WriteLine($"killed after {clock.Elapsed.TotalSeconds:F1} s; the pre-data schema was {(schemaWasIn ? "already" : "not yet")} whole");
        Assert.Equal("copying", scenario.JournalStatus("parts"));

        var rerunLog = Path.Combine(scenario.StateDirectory, "parts-rerun.log");
        var (code, output) = await PgMoveProcess.RunAsync(environment, TimeSpan.FromMinutes(10), Args(rerunLog));
        Assert.True(code == 0, output);
        Assert.Equal("done", scenario.JournalStatus("parts"));
        Assert.Contains(await File.ReadAllLinesAsync(rerunLog), l => l.Contains("the pre-data schema is in", StringComparison.Ordinal));

        log.WriteLine($"re-run done after {clock.Elapsed.TotalSeconds:F1} s");
        // Every table's rows in one query per side (DataComparer takes a round trip per table and more: ~25 s here).
        const string rows = """
            SELECT string_agg(c.relname || '=' || md5(query_to_xml(format('SELECT * FROM %I ORDER BY id', c.relname), false, false, '')::text), ',' ORDER BY c.relname)
            FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
            """;
        Assert.Equal(await scenario.Source.ScalarAsync<string>(rows, "parts"), await scenario.Target.ScalarAsync<string>(rows, "parts"));
        Assert.Equal(20, await scenario.Target.ScalarAsync<long>("SELECT (SELECT count(*) FROM p1) + (SELECT count(*) FROM p300)", "parts"));
        Assert.Equal(await SchemaShape.TakeAsync(scenario.Source, "parts"), await SchemaShape.TakeAsync(scenario.Target, "parts"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready", "parts"));
        // The sequence's value and owner came over: the next row gets the next id.
        Assert.Equal(11, await scenario.Target.ScalarAsync<int>("INSERT INTO waits_serial (v) VALUES ('next') RETURNING id", "parts"));
        Assert.Equal(1, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_depend WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass AND deptype = 'a' AND objid IN (SELECT oid FROM pg_class WHERE relkind = 'S')", "parts"));
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Database shop: 30 tables with a primary key, a unique constraint and an expression index each; orders with an
    /// exclusion constraint, extended statistics, a foreign key and a trigger that refuses every insert (it must not
    /// exist while rows are loaded); a partitioned table (indexes attached to the parent's) and a materialized view.
    /// </summary>
    private static async Task SeedAsync(CopyScenario scenario)
    {
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        var tables = string.Join("\n", Enumerable.Range(1, Tables).Select(i => $"""
            CREATE TABLE t{i:D2} (id int PRIMARY KEY, code int UNIQUE, name text);
            INSERT INTO t{i:D2} SELECT g, g + 1000000, 'name ' || g FROM generate_series(1, 20000) g;
            CREATE INDEX t{i:D2}_lower_name ON t{i:D2} (lower(name));
            """));
        await scenario.Source.ExecuteAsync(tables + """
            CREATE TABLE orders (id int PRIMARY KEY, t01_id int REFERENCES t01 (id), during int4range, status text, region text,
                EXCLUDE USING gist (during WITH &&));
            INSERT INTO orders SELECT g, g, int4range(g * 10, g * 10 + 5), 'status ' || (g % 5), 'region ' || (g % 5) FROM generate_series(1, 5000) g;
            CREATE STATISTICS orders_stats (ndistinct) ON status, region FROM orders;
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trigger fired during the load'; END $$;
            CREATE TRIGGER orders_refuse BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse();
            ALTER TABLE orders ADD CONSTRAINT orders_positive CHECK (id > 0) NOT VALID;
            CREATE TABLE events (id int, at date, note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE INDEX events_note ON events (note);
            INSERT INTO events SELECT g, date '2025-01-01' + (g % 700), 'note ' || g FROM generate_series(1, 10000) g;
            CREATE MATERIALIZED VIEW order_regions AS SELECT region, count(*) AS n FROM orders GROUP BY region;
            CREATE UNIQUE INDEX order_regions_region ON order_regions (region);
            """, "shop");
    }

    /// <summary>Polls pgmove's log file until a line matches; fails (with the output) if pgmove exits first or after 5 minutes.</summary>
    private static async Task WaitForLineAsync(PgMoveProcess process, string logFile, Func<string, bool> match)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (File.Exists(logFile))
            {
                await using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (match(line))
                        return;
                }
            }
            if (process.HasExited)
                Assert.Fail($"pgmove exited ({process.ExitCode}) before the awaited log line. Output:\n{process.Output}");
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                Assert.Fail($"no such log line after 5 minutes. Output:\n{process.Output}");
            await Task.Delay(20);
        }
    }
}
