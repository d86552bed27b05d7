using System.Diagnostics;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Copy;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Copy;

/// <summary><c>pgmove copy</c> of a database built to be hard, PostgreSQL 15 to 17, judged by verify and by the catalogs.</summary>
public sealed class CopyTypesTests(ITestOutputHelper log)
{
    private const string Db = HardDatabase.Name;

    [SkippableFact]
    public async Task Copy_HardDatabase15To17_RowsSchemaSequencesLargeObjectsAndViewsArrive()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync(sourceMajor: 15, targetMajor: 17);
        foreach (var statement in HardDatabase.Create)
            await scenario.Source.ExecuteAsync(statement);
        await scenario.Source.ExecuteAsync(HardDatabase.Fill, Db);
        log.WriteLine($"source filled after {clock.Elapsed.TotalSeconds:F1} s");

        var copyClock = Stopwatch.StartNew();
        var run = await scenario.CopyAsync(o => o with { ChunkBytes = 256 * 1024, Jobs = 4 });
        log.WriteLine($"copy took {copyClock.Elapsed.TotalSeconds:F1} s");

        var copied = Assert.Single(run.Result!.Databases, d => d.Database == Db);
        Assert.Equal("copied", copied.Outcome);
        Assert.Equal(22, copied.Tables);
        Assert.Contains(run.Result.Databases, d => d.Database == "postgres" && d.Outcome == "copied");
        Assert.Contains(HardDatabase.OwnerRole, run.Result.Roles!.Created);
        Assert.Contains(HardDatabase.HostileRole, run.Result.Roles.Created);
        Assert.Empty(run.Result.Roles.Failures);
        Assert.DoesNotContain(run.Events, e => e.Kind == "warning" && e.Message.StartsWith("roles:", StringComparison.Ordinal));

        // The oracle: every row of every table, compared by PgMove's verify and by the test's own comparer.
        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());
        Assert.Equal(HardDatabase.BigRows, report.Find(Db, "public", "big")!.TargetRows);
        Assert.Equal(397, report.Find(Db, "public", "all_types")!.TargetRows);
        Assert.Equal(2, report.Find(Db, "public", "no_columns")!.TargetRows);
        Assert.Equal(25, report.Find(Db, "Sales; Dept", "Order \"Items\"; DROP TABLE x; --")!.TargetRows);
        log.WriteLine($"verify done after {clock.Elapsed.TotalSeconds:F1} s");
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, Db);
        log.WriteLine($"data comparer done after {clock.Elapsed.TotalSeconds:F1} s");

        await AssertTablesTookTheirPathAsync(scenario.Source);
        AssertSplit(run, "\"public\".\"big\"");
        AssertSplit(run, "\"public\".\"big_enums\"");

        var source = scenario.Source;
        var target = scenario.Target;
        // The 5 MB value and the other extremes, byte for byte.
        const string extremes = "SELECT string_agg(id || ':' || md5(coalesce(c_bytea, '')) || ':' || coalesce(c_numeric_big::text, '-') || ':' || " +
                                "coalesce(c_interval::text, '-') || ':' || coalesce(c_tstz::text, '-'), ',' ORDER BY id) FROM all_types WHERE id < 10 OR id = 1000";
        Assert.Equal(await ScalarAsync(source, extremes), await ScalarAsync(target, extremes));
        Assert.Equal(5L * 1024 * 1024, await target.ScalarAsync<long>("SELECT octet_length(c_bytea) FROM all_types WHERE id = 1000", Db));

        // Partitions (with the default one) and inheritance hold their own rows.
        const string placement = "SELECT string_agg(tableoid::regclass::text || '=' || n, ', ' ORDER BY tableoid::regclass::text) FROM " +
                                 "(SELECT tableoid, count(*) AS n FROM measurements GROUP BY tableoid UNION ALL SELECT tableoid, count(*) FROM animals GROUP BY tableoid) x";
        var sourcePlacement = await ScalarAsync(source, placement);
        Assert.Contains("measurements_default=", sourcePlacement, StringComparison.Ordinal);
        Assert.Contains("dogs=20", sourcePlacement, StringComparison.Ordinal);
        Assert.Equal(sourcePlacement, await ScalarAsync(target, placement));
        Assert.Equal(30, await target.ScalarAsync<long>("SELECT count(*) FROM ONLY animals", Db));
        // The parent's inherited statistics sample its child too: it was analyzed once every child's rows were in.
        Assert.Contains("dog", await ScalarAsync(target, "SELECT histogram_bounds::text FROM pg_stats WHERE tablename = 'animals' AND attname = 'name' AND inherited"), StringComparison.Ordinal);

        // Sequences, identity ones included, stand where the source left them.
        const string sequences = "SELECT string_agg(s, ', ' ORDER BY s) FROM (SELECT format('%I.%I', schemaname, sequencename) || '=' || coalesce(last_value::text, 'null') AS s FROM pg_sequences) x";
        var sourceSequences = await ScalarAsync(source, sequences);
        Assert.Contains("\"Sales; Dept\".\"Seq \"\"odd\"\"\"=987654321", sourceSequences, StringComparison.Ordinal);
        Assert.Equal(sourceSequences, await ScalarAsync(target, sequences));
        Assert.Equal("42 False", await ScalarAsync(target, "SELECT last_value || ' ' || CASE WHEN is_called THEN 'True' ELSE 'False' END FROM not_called"));
        Assert.Equal("987654321 True", await ScalarAsync(target, "SELECT last_value || ' ' || CASE WHEN is_called THEN 'True' ELSE 'False' END FROM \"Sales; Dept\".\"Seq \"\"odd\"\"\""));

        // Large objects, content and all.
        const string largeObjects = "SELECT string_agg(oid || ':' || md5(lo_get(oid)) || ':' || octet_length(lo_get(oid)), ', ' ORDER BY oid) FROM pg_largeobject_metadata";
        var sourceObjects = await ScalarAsync(source, largeObjects);
        Assert.Contains($"424242:", sourceObjects, StringComparison.Ordinal);
        Assert.Contains(":2560000", sourceObjects, StringComparison.Ordinal);
        Assert.Contains("424243:d41d8cd98f00b204e9800998ecf8427e:0", sourceObjects, StringComparison.Ordinal);
        Assert.Equal(sourceObjects, await ScalarAsync(target, largeObjects));

        // Materialized views: populated ones refreshed (one depends on another), the unpopulated one left so.
        const string views = "SELECT string_agg(v, ', ' ORDER BY v) FROM (SELECT format('%I.%I', n.nspname, c.relname) || '=' || c.relispopulated AS v " +
                             "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm') x";
        Assert.Equal(await ScalarAsync(source, views), await ScalarAsync(target, views));
        Assert.Equal(10, await target.ScalarAsync<long>("SELECT count(*) FROM big_summary", Db));
        Assert.Equal(HardDatabase.BigRows, await target.ScalarAsync<long>("SELECT total FROM \"Sales; Dept\".\"Summary \"\"of\"\" summary\"", Db));

        // Roles and owners.
        Assert.Equal(HardDatabase.OwnerRole, await ScalarAsync(target, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        Assert.Equal(HardDatabase.OwnerRole, await ScalarAsync(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'big'"));
        Assert.Equal(HardDatabase.HostileRole, await ScalarAsync(target, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'Sales; Dept'"));
        Assert.True(await target.ScalarAsync<bool>("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'app_owner'"));

        // Post-data ran: the same indexes, constraints (validated or not), triggers (with their firing mode) and policies.
        var postData = new Dictionary<string, string>();
        foreach (var (what, sql) in PostDataQueries)
        {
            var (before, after) = (await ScalarAsync(source, sql), await ScalarAsync(target, sql));
            Assert.True(before == after, $"{what} differ:\nsource: {before}\ntarget: {after}");
            postData[what] = after;
        }
        Assert.Contains("children_explode", postData["triggers"], StringComparison.Ordinal);
        Assert.Contains("children_parent_id_fkey f true", postData["constraints"], StringComparison.Ordinal);
        Assert.Contains("children_id_positive c false", postData["constraints"], StringComparison.Ordinal);
        Assert.Contains("big_expr", postData["indexes"], StringComparison.Ordinal);
        // ... and they work there: the triggers that would have failed the load now fire.
        var fired = await Assert.ThrowsAsync<PostgresException>(() => target.ExecuteAsync("INSERT INTO parents VALUES (99, 'new')", Db));
        Assert.Contains("trigger parents_explode fired", fired.MessageText, StringComparison.Ordinal);
        var fk = await Assert.ThrowsAsync<PostgresException>(() => target.ExecuteAsync(
            "ALTER TABLE children DISABLE TRIGGER children_explode; INSERT INTO children VALUES (5000, 12345, NULL, 'x')", Db));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, fk.SqlState);
        // Identity sequences continue after the copied rows.
        Assert.Equal(51, await target.ScalarAsync<int>("INSERT INTO generated_things (price, qty) VALUES (1, 1) RETURNING id", Db));

        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// reg* columns hold OIDs, which differ between servers: in binary form they would arrive pointing at other
    /// objects (or none). pg_dump writes them as names; so must the copy.
    /// </summary>
    [SkippableFact]
    public async Task Copy_RegTypeColumns_ArriveByNameNotByOid()
    {
        await using var scenario = await CopyScenario.StartAsync(sourceMajor: 15, targetMajor: 17);
        await scenario.Source.ExecuteAsync("CREATE DATABASE regs");
        // Burn OIDs on the source so that its objects' OIDs cannot match the target's by chance.
        await scenario.Source.ExecuteAsync("""
            DO $$ BEGIN FOR i IN 1..50 LOOP EXECUTE format('CREATE TABLE burn_%s (id int)', i); EXECUTE format('DROP TABLE burn_%s', i); END LOOP; END $$;
            CREATE SCHEMA app;
            CREATE TYPE app.kind AS ENUM ('a', 'b');
            CREATE TABLE app.things (id int PRIMARY KEY);
            CREATE FUNCTION app.only_one(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
            CREATE ROLE reg_role;
            CREATE TABLE audit (
                id int PRIMARY KEY,
                rel regclass,
                typ regtype,
                fn regprocedure,
                nsp regnamespace,
                who regrole,
                rels regclass[]
            );
            INSERT INTO audit VALUES
                (1, 'app.things', 'app.kind', 'app.only_one(int)', 'app', 'reg_role', ARRAY['app.things'::regclass, 'audit'::regclass]),
                (2, 'pg_class', 'integer', 'now()', 'pg_catalog', 'postgres', '{}'),
                (3, NULL, NULL, NULL, NULL, NULL, NULL);
            """, "regs");

        await scenario.CopyAsync(o => o with { Jobs = 2 });

        const string names = "SELECT string_agg(concat_ws(' ', id, rel, typ, fn, nsp, who, rels), '; ' ORDER BY id) FROM audit";
        var expected = await scenario.Source.ScalarAsync<string>(names, "regs");
        var actual = await scenario.Target.ScalarAsync<string>(names, "regs");
        log.WriteLine($"source: {expected}\ntarget: {actual}");
        Assert.Contains("app.things app.kind app.only_one(integer) app reg_role", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());
    }

    private static readonly (string What, string Sql)[] PostDataQueries =
    [
        ("indexes", "SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT format('%I.%I %I', schemaname, tablename, indexname) AS x FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) s"),
        ("constraints", "SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT coalesce(nullif(conrelid, 0)::regclass::text, contypid::regtype::text) || ' ' || conname || ' ' || contype::text || ' ' || convalidated AS x " +
                        "FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) s"),
        ("triggers", "SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text AS x FROM pg_trigger WHERE NOT tgisinternal) s"),
        ("policies and row security", "SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT c.relname || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity || ' ' || coalesce(p.polname, '-') AS x " +
                                      "FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid WHERE c.relrowsecurity) s"),
    ];

    private static Task<string> ScalarAsync(PgCluster cluster, string sql) =>
        cluster.ScalarAsync<string>("SET TimeZone = 'UTC'; SET extra_float_digits = 3; " + sql, Db);

    /// <summary>The planner's own query: arrays of enums and composites take the text path, everything else binary.</summary>
    private static async Task AssertTablesTookTheirPathAsync(PgCluster source)
    {
        await using var connection = await source.OpenAsync(Db);
        await using var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/tables.sql"), connection);
        await using var reader = await command.ExecuteReaderAsync();
        var textTables = new List<string>();
        while (await reader.ReadAsync())
        {
            if (reader.GetBoolean(6))
                textTables.Add(reader.GetString(2));
        }
        Assert.Equal(new[] { "big_enums", "enum_stuff" }, textTables.Order(StringComparer.Ordinal));
    }

    /// <summary>The table went in several block ranges: parts reported one by one, the last as the table's completion.</summary>
    private static void AssertSplit(CopyRecording run, string table)
    {
        var events = run.For(Db).Where(e => e.Kind == "table" && e.Table!.StartsWith(table + " part ", StringComparison.Ordinal)).ToList();
        Assert.True(events.Count > 2, $"{table} was not split:\n{run.Describe()}");
        var parts = int.Parse(events[0].Table!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(parts, events.Count);
        Assert.Equal(parts - 1, events.Count(e => e.Message == "part copied"));
        Assert.Single(events, e => e.Message == "table copied");
        Assert.Equal(events.Select(e => e.Table).Distinct().Count(), parts);
    }
}
