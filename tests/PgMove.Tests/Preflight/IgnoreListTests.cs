using PgMove.Core.Migrations;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Preflight;

/// <summary>
/// An ignore-list name that matches no database (a typo, or DigitalOcean's example "db0", "db1") is a warning:
/// <c>pgmove check</c> exits 0 and <c>pgmove start</c> migrates every database.
/// </summary>
public sealed class IgnoreListTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [SkippableFact]
    public async Task Check_IgnoreListTypo_WarnsNamingItAndExitsZero()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        var (code, output, error) = await CliRunner.RunAsync("check",
            "--source", ReadOnlyChecksTests.Uri(scenario.Source), "--target", ReadOnlyChecksTests.Uri(scenario.Target), "--ignore-db", "shp", "--json");
        Assert.True(code == 0, output + error);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean());
        var warning = document.RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == "source.databases" && c.GetProperty("status").GetString() == "warn");
        Assert.Contains("'shp'", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("The source has: postgres, shop", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Start_IgnoreListTypo_MigratesEveryDatabase()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100)", "shop");

        var start = Task.Run(() => CliRunner.RunAsync("start",
            "--source", ReadOnlyChecksTests.Uri(scenario.Source), "--target", ReadOnlyChecksTests.Uri(scenario.Target),
            "--state", scenario.StatePath, "--ignore-db", "shp"));
        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, start);
        Assert.Contains(syncing.Databases, d => d.Name == "shop");
        Assert.Equal(100, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM items", "shop"));
        // status keeps the warning, in its text and its JSON.
        Assert.Contains(syncing.Warnings, w => w.StartsWith("source.databases:", StringComparison.Ordinal) && w.Contains("'shp'", StringComparison.Ordinal));
        var status = await CliRunner.RunAsync("status", "--state", scenario.StatePath);
        Assert.Contains("warning:", status.Output, StringComparison.Ordinal);
        Assert.Contains("'shp'", status.Output, StringComparison.Ordinal);
        var json = await CliRunner.RunAsync("status", "--json", "--state", scenario.StatePath);
        Assert.Contains("\"warnings\"", json.Output, StringComparison.Ordinal);

        scenario.Request("stop");
        var (code, output, error) = await start.WaitAsync(Timeout);
        Assert.True(code == 0, output + error);
        Assert.Equal(MigrationStatus.Canceled, scenario.Latest().Status);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
