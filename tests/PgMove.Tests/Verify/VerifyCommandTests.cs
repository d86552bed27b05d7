using System.Text.Json;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Verify;

public sealed class VerifyCommandTests
{
    private static string Uri(PgCluster cluster) => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode=disable";

    [SkippableFact]
    public async Task Verify_EqualThenChanged_ExitsZeroThenOneWithStableJson()
    {
        await using var scenario = await VerifyScenario.StartAsync();
        await scenario.CreateBothAsync("shop", """
            CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2), at timestamptz);
            INSERT INTO orders SELECT g, g * 1.5, timestamptz '2024-01-01 00:00+00' + g * interval '1 hour' FROM generate_series(1, 1000) g;
            CREATE TABLE "Line Items" (order_id bigint, sku text);
            INSERT INTO "Line Items" SELECT g % 100, 'sku' || g FROM generate_series(1, 300) g;
            """);

        var (code, output, error) = await CliRunner.RunAsync("verify", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target));
        Assert.True(code == 0, output + error);
        Assert.Contains("2 tables compared in 2 databases (1,300 rows on the source, 1,300 on the target)", output, StringComparison.Ordinal);
        Assert.Contains("every table matches", output, StringComparison.Ordinal);

        await scenario.Target.ExecuteAsync("DELETE FROM \"Line Items\" WHERE sku = 'sku7'", "shop");

        (code, output, error) = await CliRunner.RunAsync("verify", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--jobs", "1");
        Assert.True(code == 1, output + error);
        Assert.Contains("\"public\".\"Line Items\"", output, StringComparison.Ordinal);
        Assert.Contains("300 rows on the source, 299 on the target", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"orders\"", output, StringComparison.Ordinal);
        Assert.Contains("1 differ", output, StringComparison.Ordinal);

        (code, output, _) = await CliRunner.RunAsync("verify", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--json", "--ignore-db", "postgres");
        Assert.Equal(1, code);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Equal(["shop"], root.GetProperty("databases").EnumerateArray().Select(d => d.GetString()));
        var summary = root.GetProperty("summary");
        Assert.Equal((1, 2, 1, 1300L, 1299L), (
            summary.GetProperty("databases").GetInt32(), summary.GetProperty("tables").GetInt32(), summary.GetProperty("differing").GetInt32(),
            summary.GetProperty("sourceRows").GetInt64(), summary.GetProperty("targetRows").GetInt64()));
        var tables = root.GetProperty("tables").EnumerateArray().ToList();
        Assert.Equal(["Line Items", "orders"], tables.Select(t => t.GetProperty("name").GetString()));
        var lines = tables[0];
        Assert.Equal("shop", lines.GetProperty("database").GetString());
        Assert.Equal("public", lines.GetProperty("schema").GetString());
        Assert.False(lines.GetProperty("match").GetBoolean());
        Assert.Equal("row_count", lines.GetProperty("difference").GetString());
        Assert.Equal((300, 299), (lines.GetProperty("sourceRows").GetInt64(), lines.GetProperty("targetRows").GetInt64()));
        Assert.Equal(JsonValueKind.Null, lines.GetProperty("keyColumn").ValueKind);
        Assert.Equal(0, lines.GetProperty("ranges").GetArrayLength());
        var orders = tables[1];
        Assert.True(orders.GetProperty("match").GetBoolean());
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("difference").ValueKind);
        Assert.Equal(JsonValueKind.Null, orders.GetProperty("detail").ValueKind);
    }

    [Fact]
    public async Task Verify_ZeroJobs_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunAsync("verify", "--source", "host=127.0.0.1 port=1", "--target", "host=127.0.0.1 port=1", "--jobs", "0");
        Assert.Equal(2, code);
        Assert.Contains("usage.bad_jobs", error, StringComparison.Ordinal);
    }
}
