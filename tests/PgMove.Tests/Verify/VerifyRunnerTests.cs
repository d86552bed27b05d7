using PgMove.Core.Catalog;
using PgMove.Core.Errors;
using PgMove.Core.Verify;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Verify;

/// <summary>Verify on real servers: identical data matches across majors and settings; every kind of change is pinned to its table.</summary>
public sealed class VerifyRunnerTests
{
    [SkippableFact]
    public async Task Run_SameData15To17WithOtherOutputSettings_EveryTableMatches()
    {
        await using var scenario = await VerifyScenario.StartAsync(sourceMajor: 15, targetMajor: 17);
        await scenario.CreateBothAsync("app", VerifyData.Fill);
        // Sessions on the target start with other output settings: verify must set its own on both sides.
        await scenario.Target.ExecuteAsync("""
            ALTER DATABASE app SET TimeZone = 'Asia/Kolkata';
            ALTER DATABASE app SET DateStyle = 'SQL, DMY';
            ALTER DATABASE app SET IntervalStyle = 'iso_8601';
            ALTER DATABASE app SET extra_float_digits = -3;
            ALTER DATABASE app SET bytea_output = 'escape';
            """);
        // A dropped column on the source only: columns go by name, not by attnum.
        await Task.WhenAll(scenario.Source.ExecuteAsync("CREATE DATABASE second"), scenario.Target.ExecuteAsync("CREATE DATABASE second"));
        await scenario.Source.ExecuteAsync("""
            CREATE TABLE reshaped (a int, junk text, b text);
            ALTER TABLE reshaped DROP COLUMN junk;
            INSERT INTO reshaped VALUES (1, 'one'), (2, NULL);
            """, "second");
        await scenario.Target.ExecuteAsync("CREATE TABLE reshaped (a int, b text); INSERT INTO reshaped VALUES (2, NULL), (1, 'one');", "second");
        // An ignored database is not compared even though it exists on the source only.
        await scenario.Source.ExecuteAsync("CREATE DATABASE skipped");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int); INSERT INTO t VALUES (1);", "skipped");

        var report = await scenario.RunAsync(o => o with { IgnoreDatabases = ["skipped"], Jobs = 3 });

        Assert.False(report.HasDifferences, Describe(report));
        Assert.Equal(["app", "postgres", "second"], report.Databases);
        Assert.Equal(
            VerifyData.Tables.Order(StringComparer.Ordinal),
            report.Tables.Where(t => t.Database == "app").Select(t => $"{t.Table.Schema}.{t.Table.Name}").Order(StringComparer.Ordinal));
        Assert.Null(report.Find("app", "public", "measurements"));
        var items = report.Find("app", "public", "items")!;
        Assert.Equal((100L, 100L, "id"), (items.SourceRows!.Value, items.TargetRows!.Value, items.KeyColumn));
        Assert.Equal("id", report.Find("app", "public", "ledger")!.KeyColumn);
        Assert.Null(report.Find("app", "public", "cache")!.KeyColumn);
        Assert.Equal(20, report.Find("app", "public", "cache")!.SourceRows);
        Assert.Equal(2, report.Find("app", "public", "no_columns")!.TargetRows);
        Assert.Equal(2, report.Find("second", "public", "reshaped")!.SourceRows);
        Assert.Equal(100 + 100 + 100 + 52 + 20 + 2 + 5 + 2 + 2 + 150 + 30 + 2, report.SourceRows);
        Assert.Equal(report.SourceRows, report.TargetRows);
        Assert.DoesNotContain(report.Tables, t => t.Database == "skipped");

        // No session of verify stays behind (it would block DROP DATABASE).
        await WaitForNoSessionsAsync(scenario.Source);
        await WaitForNoSessionsAsync(scenario.Target);
        await scenario.Target.ExecuteAsync("DROP DATABASE app");
    }

    [SkippableFact]
    public async Task Run_TargetChanged_ReportsEachTableWithItsKeyRange()
    {
        await using var scenario = await VerifyScenario.StartAsync();
        await scenario.CreateBothAsync("app", VerifyData.Fill);
        await scenario.Source.ExecuteAsync("CREATE DATABASE gone");
        await scenario.Source.ExecuteAsync("CREATE TABLE lost (id int); INSERT INTO lost SELECT generate_series(1, 7);", "gone");
        await scenario.Target.ExecuteAsync("""
            UPDATE items SET label = 'changed' WHERE id = 57;
            DELETE FROM ledger WHERE id = 5;
            INSERT INTO events VALUES (999999999999999, NULL, NULL);
            UPDATE "Sales Dept".orders SET total = total + 0.01 WHERE id = 30;
            DELETE FROM notes WHERE body = 'xxx';
            INSERT INTO "zürich ☃" VALUES (3, 3);
            UPDATE measurements SET value = CASE id WHEN 1 THEN 0.2 ELSE 0.1 END WHERE id IN (1, 2);
            DROP TABLE "quote""d 'name'";
            CREATE TABLE extra (id int);
            INSERT INTO extra VALUES (1);
            ALTER TABLE "Mixed Case" ADD COLUMN added int;
            CREATE SCHEMA pgmove;
            CREATE TABLE pgmove.bookkeeping (lsn pg_lsn);
            """, "app");

        var report = await scenario.RunAsync(o => o with { IgnoreSchemas = ["pgmove"] });

        Assert.True(report.HasDifferences);
        Assert.Equal(
            ["app.\"Sales Dept\".\"orders\"", "app.\"public\".\"Mixed Case\"", "app.\"public\".\"events\"", "app.\"public\".\"extra\"",
             "app.\"public\".\"items\"", "app.\"public\".\"ledger\"", "app.\"public\".\"measurements_2024\"", "app.\"public\".\"notes\"",
             "app.\"public\".\"quote\"\"d 'name'\"", "app.\"public\".\"zürich ☃\"", "gone.\"public\".\"lost\""],
            report.Differences.Select(d => d.DisplayName).Order(StringComparer.Ordinal));

        var items = report.Find("app", "public", "items")!;
        Assert.Equal(TableDifference.Content, items.Difference);
        Assert.Equal([new KeyRangeDifference(51, 60, 10, 10)], items.Ranges);
        Assert.Contains("\"id\" ranges: 51..60", items.Detail, StringComparison.Ordinal);

        var ledger = report.Find("app", "public", "ledger")!;
        Assert.Equal((TableDifference.RowCount, 100L, 99L), (ledger.Difference, ledger.SourceRows!.Value, ledger.TargetRows!.Value));
        Assert.Equal([new KeyRangeDifference(null, 10, 10, 9)], ledger.Ranges);

        var events = report.Find("app", "public", "events")!;
        Assert.Equal(TableDifference.RowCount, events.Difference);
        Assert.Equal([new KeyRangeDifference(91_000_000_000_000, null, 10, 11)], events.Ranges);

        var orders = report.Find("app", "Sales Dept", "orders")!;
        Assert.Equal(TableDifference.Content, orders.Difference);
        Assert.Equal([new KeyRangeDifference(21, null, 10, 10)], orders.Ranges);

        var notes = report.Find("app", "public", "notes")!;
        Assert.Equal((TableDifference.RowCount, 52L, 51L, (string?)null), (notes.Difference, notes.SourceRows!.Value, notes.TargetRows!.Value, notes.KeyColumn));
        Assert.Contains("52 rows on the source, 51 on the target", notes.Detail, StringComparison.Ordinal);

        Assert.Equal(TableDifference.RowCount, report.Find("app", "public", "zürich ☃")!.Difference);
        Assert.Equal(TableDifference.Content, report.Find("app", "public", "measurements_2024")!.Difference);

        var dropped = report.Find("app", "public", "quote\"d 'name'")!;
        Assert.Equal((TableDifference.MissingOnTarget, 2L, (long?)null), (dropped.Difference, dropped.SourceRows!.Value, dropped.TargetRows));

        var extra = report.Find("app", "public", "extra")!;
        Assert.Equal((TableDifference.MissingOnSource, (long?)null, 1L), (extra.Difference, extra.SourceRows, extra.TargetRows!.Value));

        var mixed = report.Find("app", "public", "Mixed Case")!;
        Assert.Equal(TableDifference.Columns, mixed.Difference);
        Assert.Contains("columns only on the target: \"added\"", mixed.Detail, StringComparison.OrdinalIgnoreCase);

        var lost = report.Find("gone", "public", "lost")!;
        Assert.Equal((TableDifference.MissingOnTarget, 7L), (lost.Difference, lost.SourceRows!.Value));
        Assert.Contains("database 'gone' is missing on the target", lost.Detail, StringComparison.Ordinal);

        Assert.True(report.Find("app", "public", "cache")!.Matches);
        Assert.True(report.Find("app", "public", "measurements_2025")!.Matches);
        Assert.Null(report.Find("app", "pgmove", "bookkeeping"));

        // Without chunks, the same table is reported as a whole.
        var whole = await scenario.RunAsync(o => o with { ChunkRows = 1_000_000, Databases = ["app"], IgnoreSchemas = ["pgmove"] });
        var itemsWhole = whole.Find("app", "public", "items")!;
        Assert.Equal((TableDifference.Content, (string?)null), (itemsWhole.Difference, itemsWhole.KeyColumn));
        Assert.Empty(itemsWhole.Ranges);
        Assert.Equal(["app"], whole.Databases);
    }

    [SkippableFact]
    public async Task Run_TableNotReadable_FailsNamingTableAndFix()
    {
        await using var scenario = await VerifyScenario.StartAsync();
        await scenario.CreateBothAsync("app", "CREATE TABLE secret (id int); INSERT INTO secret VALUES (1);");
        await scenario.Source.ExecuteAsync("CREATE ROLE reader LOGIN");

        var error = await Assert.ThrowsAsync<PgMoveException>(() => scenario.RunAsync(o => o with
        {
            Source = scenario.Source.Spec(user: "reader", password: null),
            Databases = ["app"],
        }));

        Assert.Equal("verify.read_failed", error.Code);
        Assert.Contains("\"public\".\"secret\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("database 'app' on the source", error.Message, StringComparison.Ordinal);
        Assert.Contains("pg_read_all_data", error.Fix, StringComparison.Ordinal);

        // Row-level security that would hide rows from the user fails the run instead of counting short.
        await scenario.Source.ExecuteAsync("""
            GRANT SELECT ON secret TO reader;
            ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
            CREATE POLICY nothing ON secret USING (false);
            """, "app");
        error = await Assert.ThrowsAsync<PgMoveException>(() => scenario.RunAsync(o => o with
        {
            Source = scenario.Source.Spec(user: "reader", password: null),
            Databases = ["app"],
        }));
        Assert.Equal("verify.read_failed", error.Code);
        Assert.Contains("row-level security", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"public\".\"secret\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadJobs_ThrowsUsageBeforeConnecting()
    {
        var spec = new Core.Connections.ConnectionSpec { Host = "127.0.0.1", Port = 1, Database = "postgres", Username = "nobody" };
        var error = await Assert.ThrowsAsync<UsageException>(() => VerifyRunner.RunAsync(new VerifyOptions { Source = spec, Target = spec, Jobs = 0 }, CancellationToken.None));
        Assert.Equal("usage.bad_jobs", error.Code);
    }

    [Fact]
    public void KeyRangeDifference_OpenBounds_PrintsDots()
    {
        Assert.Equal("..10", new KeyRangeDifference(null, 10, 1, 2).ToString());
        Assert.Equal("91..", new KeyRangeDifference(91, null, 1, 2).ToString());
        Assert.Equal("-5..5", new KeyRangeDifference(-5, 5, 1, 2).ToString());
        Assert.Equal("\"a\".\"b\"", new QualifiedName("a", "b").ToString());
    }

    private static async Task WaitForNoSessionsAsync(PgCluster cluster)
    {
        const string sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgmove' AND pid <> pg_backend_pid()";
        for (var attempt = 0; attempt < 50 && await cluster.ScalarAsync<long>(sql) > 0; attempt++)
            await Task.Delay(100);
        Assert.Equal(0, await cluster.ScalarAsync<long>(sql));
    }

    private static string Describe(VerifyReport report) =>
        string.Join('\n', report.Differences.Select(d => $"{d.DisplayName}: {d.Difference} {d.Detail}"));
}
