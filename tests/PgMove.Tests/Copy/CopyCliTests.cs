using System.Diagnostics;
using System.Text.Json;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Copy;

/// <summary><c>pgmove copy --json</c>: one JSON object per line, progress lines while it works, a result line at the end.</summary>
public sealed class CopyCliTests(ITestOutputHelper log)
{
    private static string Uri(PgCluster cluster) => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode=disable";

    [SkippableFact]
    public async Task Copy_Json_PrintsOneObjectPerLineEndingWithResult()
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE DATABASE skipme");
        await scenario.Source.ExecuteAsync("""
            CREATE TABLE orders (id bigint PRIMARY KEY, customer text, total numeric(12,2), placed timestamptz);
            INSERT INTO orders SELECT g, 'customer ' || (g % 1000), g * 0.37, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
            FROM generate_series(1, 150000) g;
            CREATE TABLE customers (id int PRIMARY KEY, name text);
            INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 1000) g;
            CREATE INDEX orders_customer ON orders (customer);
            """, "shop");
        log.WriteLine($"source ready after {clock.Elapsed.TotalSeconds:F1} s");

        var (code, output, error) = await CliRunner.RunAsync(
            "copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--state", scenario.StatePath,
            "--ignore-db", "skipme", "--jobs", "2", "--json");
        log.WriteLine($"copied after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(code == 0, output + error);
        Assert.DoesNotContain("error", error, StringComparison.Ordinal);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var documents = lines.Select(line => JsonDocument.Parse(line)).ToList();
        try
        {
            Assert.All(documents, d => Assert.Equal(JsonValueKind.Object, d.RootElement.ValueKind));
            var kinds = documents.Select(d => d.RootElement.GetProperty("kind").GetString()!).ToList();
            Assert.All(kinds, k => Assert.Contains(k, new[] { "phase", "table", "warning", "progress", "result" }));

            var result = documents[^1].RootElement;
            Assert.Equal("result", result.GetProperty("kind").GetString());
            Assert.True(result.GetProperty("ok").GetBoolean());
            Assert.Single(kinds, k => k == "result");
            Assert.True(result.GetProperty("seconds").GetDouble() > 0);
            var databases = result.GetProperty("databases").EnumerateArray().ToDictionary(d => d.GetProperty("database").GetString()!);
            Assert.Equal(new[] { "postgres", "shop" }, databases.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("copied", databases["shop"].GetProperty("outcome").GetString());
            Assert.Equal(2, databases["shop"].GetProperty("tables").GetInt32());
            Assert.Equal(151_000, databases["shop"].GetProperty("rows").GetInt64());
            Assert.True(databases["shop"].GetProperty("bytes").GetInt64() > 0);

            // Progress lines, each about one database, with the counters a script needs. Besides the one every second
            // (none if the copy takes less), one follows each table copied: the last table's shows every table done.
            var progress = documents.Select(d => d.RootElement).Where(e => e.GetProperty("kind").GetString() == "progress").ToList();
            Assert.Contains(progress, p => p.GetProperty("database").GetString() == "shop"
                && p.GetProperty("tables_done").GetInt32() == 2 && p.GetProperty("tables_total").GetInt32() == 2);
            Assert.All(progress, p =>
            {
                Assert.Contains(p.GetProperty("phase").GetString(), new[] { "predata", "data", "postdata", "finishing" });
                foreach (var name in new[] { "database", "tables_done", "tables_total", "bytes_done", "bytes_total", "rows_done", "at" })
                    Assert.True(p.TryGetProperty(name, out _), $"progress line without {name}: {p}");
            });

            // Events: phases of every database, ending with "copied"; one line per table with its rows.
            var events = documents.Select(d => d.RootElement).ToList();
            Assert.Contains(events, e => e.GetProperty("kind").GetString() == "phase" && e.GetProperty("database").GetString() == "shop" && e.GetProperty("message").GetString() == "copied");
            var orders = Assert.Single(events, e => e.GetProperty("kind").GetString() == "table" && e.GetProperty("table").GetString() == "\"public\".\"orders\"");
            Assert.Equal(150_000, orders.GetProperty("rows").GetInt64());
            Assert.Equal("table copied", orders.GetProperty("message").GetString());
            Assert.DoesNotContain(events, e => e.TryGetProperty("database", out var db) && db.GetString() == "skipme");
        }
        finally
        {
            documents.ForEach(d => d.Dispose());
        }

        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname = 'skipme'"));
        var report = await scenario.VerifyAsync();
        Assert.False(report.HasDifferences, report.Describe());

        // Without --json, on a run that has nothing left to do: the summary table, exit 0.
        var (again, text, _) = await CliRunner.RunAsync(
            "copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--state", scenario.StatePath, "--ignore-db", "skipme");
        Assert.True(again == 0, text);
        Assert.Contains("already copied", text, StringComparison.Ordinal);
        Assert.Contains("Copy finished", text, StringComparison.Ordinal);
        log.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
