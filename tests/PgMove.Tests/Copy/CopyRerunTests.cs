using System.Diagnostics;
using PgMove.Core.Copy;
using PgMove.Core.Errors;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Copy;

/// <summary>
/// Re-running <c>pgmove copy</c>: after a success every database is skipped; after a failure or an interrupt the
/// unfinished database is dropped and copied again, and the result is the same as a clean copy.
/// </summary>
public sealed class CopyRerunTests(ITestOutputHelper log)
{
    /// <summary>
    /// alpha is small and copied first (databases go in name order); beta holds a table whose CHECK calls a function
    /// that refuses every row when the session's pgmove_test.reject setting is on, so that setting the target role's
    /// default makes exactly that table fail on the target, in the data phase.
    /// </summary>
    private static async Task SeedAsync(CopyScenario scenario, int fillerRows = 20000)
    {
        await scenario.Source.ExecuteAsync("CREATE DATABASE alpha");
        await scenario.Source.ExecuteAsync("CREATE DATABASE beta");
        await scenario.Source.ExecuteAsync("""
            CREATE TABLE items (id int PRIMARY KEY, name text);
            INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
            CREATE SEQUENCE counter;
            SELECT setval('counter', 77);
            """, "alpha");
        await scenario.Source.ExecuteAsync($$"""
            CREATE FUNCTION accept(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN
                IF current_setting('pgmove_test.reject', true) = 'on' THEN
                    RAISE EXCEPTION 'row % rejected by the target', v;
                END IF;
                RETURN true;
            END
            $f$;
            CREATE TABLE checked (id int PRIMARY KEY CHECK (accept(id)), note text);
            INSERT INTO checked SELECT g, 'note ' || g FROM generate_series(1, 500) g;
            CREATE TABLE filler (id bigint PRIMARY KEY, payload text);
            INSERT INTO filler SELECT g, md5(g::text) || repeat('f', 100) FROM generate_series(1, {{fillerRows}}) g;
            CREATE INDEX filler_payload ON filler (payload);
            """, "beta");
    }

    private static string Uri(PgCluster cluster) => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode=disable";

    [SkippableFact]
    public async Task Copy_RunAgainAfterSuccess_SkipsEveryDatabaseAndTouchesNothing()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await SeedAsync(scenario, fillerRows: 2000);
        var first = await scenario.CopyAsync();
        Assert.All(first.Result!.Databases, d => Assert.Equal("copied", d.Outcome));
        Assert.Equal(new[] { "alpha", "beta", "postgres" }, first.Result.Databases.Select(d => d.Database));
        Assert.All(new[] { "alpha", "beta", "postgres" }, d => Assert.Equal("done", scenario.JournalStatus(d)));

        // A row only the target has: a database copied again would lose it.
        await scenario.Target.ExecuteAsync("INSERT INTO items VALUES (1000, 'target only')", "alpha");

        var second = await scenario.CopyAsync();
        Assert.All(second.Result!.Databases, d => Assert.Equal("already copied", d.Outcome));
        Assert.Equal(3, second.Result.Databases.Count);
        Assert.DoesNotContain(second.Events, e => e.Kind is "redo" or "table");
        Assert.All(new[] { "alpha", "beta", "postgres" }, d =>
        {
            Assert.Equal(CopyPhase.Skipped, second.Progress.Databases.Single(p => p.Database == d).Phase);
            Assert.Contains(second.For(d), e => e.Kind == "phase" && e.Message.StartsWith("already copied", StringComparison.Ordinal));
        });
        Assert.Equal(101, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM items", "alpha"));

        // The CLI says the same and exits 0.
        var (code, output, error) = await CliRunner.RunAsync("copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--state", scenario.StatePath, "--json");
        Assert.True(code == 0, output + error);
        Assert.Contains("\"outcome\":\"already copied\"", output, StringComparison.Ordinal);
        Assert.Equal(101, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM items", "alpha"));
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [SkippableFact]
    public async Task Copy_TableFailsOnTarget_NamesDatabaseTableAndPhase_ThenRerunRedoesThatDatabase()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await SeedAsync(scenario);
        await scenario.Target.ExecuteAsync("ALTER ROLE postgres SET pgmove_test.reject = 'on'");

        var failed = new CopyRecording();
        var error = await Assert.ThrowsAsync<PgMoveException>(() => failed.RunAsync(scenario.Options(), CancellationToken.None));
        log.WriteLine($"first run failed after {clock.Elapsed.TotalSeconds:F1} s: [{error.Code}] {error.Message}");
        Assert.Equal("copy.table_failed", error.Code);
        Assert.Contains("database beta", error.Message, StringComparison.Ordinal);
        Assert.Contains("table \"public\".\"checked\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("phase data", error.Message, StringComparison.Ordinal);
        Assert.Contains("rejected by the target", error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
        Assert.Equal(CopyPhase.Failed, failed.Progress.Databases.Single(d => d.Database == "beta").Phase);
        Assert.Equal(error.Message, failed.Progress.Databases.Single(d => d.Database == "beta").Error);
        Assert.Equal("done", scenario.JournalStatus("alpha"));
        Assert.Equal("copying", scenario.JournalStatus("beta"));
        Assert.Null(scenario.JournalStatus("postgres"));
        await AssertNoBusySessionsAsync(scenario);

        // The CLI, still failing: exit 1, the same message on stderr, no result line.
        var (code, output, stderr) = await CliRunner.RunAsync("copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--state", scenario.StatePath, "--json");
        log.WriteLine($"CLI run failed after {clock.Elapsed.TotalSeconds:F1} s: {stderr}");
        Assert.Equal(1, code);
        Assert.Contains("error [copy.table_failed]: database beta, table \"public\".\"checked\", phase data", stderr, StringComparison.Ordinal);
        Assert.Contains("fix: ", stderr, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"redo\",\"database\":\"beta\"", output, StringComparison.Ordinal);
        // The JSON stream ends with how it ended: a result line saying it failed, with the error code.
        Assert.Contains("{\"kind\":\"result\",\"ok\":false,\"error\":\"copy.table_failed\"", output, StringComparison.Ordinal);
        Assert.Equal("copying", scenario.JournalStatus("beta"));

        // Fixed: the re-run skips alpha, drops and redoes beta, then copies postgres.
        await scenario.Target.ExecuteAsync("ALTER ROLE postgres RESET pgmove_test.reject");
        var rerun = await scenario.CopyAsync();
        Assert.Equal(
            new[] { ("alpha", "already copied"), ("beta", "copied"), ("postgres", "copied") },
            rerun.Result!.Databases.Select(d => (d.Database, d.Outcome)));
        Assert.Single(rerun.Events, e => e.Kind == "redo");
        Assert.Contains(rerun.Events, e => e.Kind == "redo" && e.Database == "beta");
        Assert.All(new[] { "alpha", "beta", "postgres" }, d => Assert.Equal("done", scenario.JournalStatus(d)));

        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());
        Assert.Equal(500, report.Find("beta", "public", "checked")!.TargetRows);
        Assert.Equal(20000, report.Find("beta", "public", "filler")!.TargetRows);
        Assert.Equal(1, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'filler_payload'", "beta"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "beta");
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [SkippableFact]
    public async Task Copy_InterruptedDuringData_RerunRedoesTheDatabase()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await SeedAsync(scenario, fillerRows: 50000);

        using var interrupt = new CancellationTokenSource();
        var interrupted = new CopyRecording();
        var partsBeforeCancel = 0;
        interrupted.Progress.Event += e =>
        {
            if (e.Kind == "table" && e.Database == "beta" && Interlocked.Increment(ref partsBeforeCancel) == 1)
                ThreadPool.QueueUserWorkItem(_ => interrupt.Cancel());
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            interrupted.RunAsync(scenario.Options(o => o with { Jobs = 2, ChunkBytes = 64 * 1024 }), interrupt.Token));
        log.WriteLine($"interrupted after {clock.Elapsed.TotalSeconds:F1} s, {partsBeforeCancel} parts reported");
        Assert.Equal(CopyPhase.Data, interrupted.Progress.Databases.Single(d => d.Database == "beta").Phase);
        Assert.Equal("done", scenario.JournalStatus("alpha"));
        Assert.Equal("copying", scenario.JournalStatus("beta"));
        Assert.True(await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM filler", "beta") < 50000, "the interrupt came too late to test anything");
        // Nothing keeps running or holds the snapshot after the interrupt.
        await AssertNoBusySessionsAsync(scenario);

        var rerun = await scenario.CopyAsync(o => o with { Jobs = 2, ChunkBytes = 64 * 1024 });
        Assert.Equal(
            new[] { ("alpha", "already copied"), ("beta", "copied"), ("postgres", "copied") },
            rerun.Result!.Databases.Select(d => (d.Database, d.Outcome)));
        Assert.Contains(rerun.Events, e => e.Kind == "redo" && e.Database == "beta");
        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());
        Assert.Equal(50000, report.Find("beta", "public", "filler")!.TargetRows);
        Assert.Equal("77 True", await scenario.Target.ScalarAsync<string>(
            "SELECT last_value || ' ' || CASE WHEN is_called THEN 'True' ELSE 'False' END FROM counter", "alpha"));
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>No session of PgMove is still working or inside a transaction (a held snapshot) on either server.</summary>
    private static async Task AssertNoBusySessionsAsync(CopyScenario scenario)
    {
        const string busy = "SELECT coalesce(string_agg(datname || ': ' || state || ': ' || left(query, 80), '; '), '') FROM pg_stat_activity " +
                            "WHERE application_name = 'pgmove' AND state <> 'idle' AND pid <> pg_backend_pid()";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var source = await scenario.Source.ScalarAsync<string>(busy);
            var target = await scenario.Target.ScalarAsync<string>(busy);
            if (source.Length == 0 && target.Length == 0)
                return;
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                Assert.Fail($"PgMove sessions still busy. Source: {source}. Target: {target}");
            await Task.Delay(200);
        }
    }
}
