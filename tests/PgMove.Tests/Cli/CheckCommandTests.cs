using System.Text.Json;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Preflight;

namespace PgMove.Tests.Cli;

public sealed class CheckCommandTests
{
    private static string Uri(PgCluster cluster) => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode=disable";

    [SkippableFact]
    public async Task Check_HealthyPair_PrintsTableAndExitsZero()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var (code, output, error) = await CliRunner.RunAsync("check", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target));
        Assert.True(code == 0, output + error);
        Assert.Contains("source.wal_level", output, StringComparison.Ordinal);
        Assert.Contains("Ready to migrate", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Check_FailedCheckWithJson_PrintsStableDocumentAndExitsOne()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { WalLevel = "replica" });
        var (code, output, _) = await CliRunner.RunAsync(
            "check", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--ignore-db", "nothere", "--json");
        Assert.Equal(1, code);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Equal("relay", root.GetProperty("method").GetString());
        Assert.True(root.GetProperty("summary").GetProperty("fail").GetInt32() >= 1);
        var walLevel = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "source.wal_level");
        Assert.Equal("fail", walLevel.GetProperty("status").GetString());
        Assert.Contains("'replica'", walLevel.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("ALTER SYSTEM", walLevel.GetProperty("fix").GetString(), StringComparison.Ordinal);
        // An ignore-list name that matches no database is a warning (the failure here is wal_level's).
        Assert.Contains(root.GetProperty("checks").EnumerateArray(), c => c.GetProperty("status").GetString() == "warn" && c.GetProperty("message").GetString()!.Contains("nothere", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_UnknownOption_ExitsTwo()
    {
        var (code, _, error) = await CliRunner.RunAsync("check", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BadMethod_ExitsTwo()
    {
        var (code, _, _) = await CliRunner.RunAsync("check", "--source", "host=a", "--target", "host=b", "--method", "teleport");
        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Check_InjectedConnectionOption_ExitsTwoNamingParameter()
    {
        var (code, _, error) = await CliRunner.RunAsync(
            "check", "--source", "postgres://u:Secr3t-xyz@127.0.0.1:1/db?options=-csearch_path%3Devil", "--target", "host=127.0.0.1");
        Assert.Equal(2, code);
        Assert.Contains("connection.unknown_parameter", error, StringComparison.Ordinal);
        Assert.Contains("'options'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Secr3t-xyz", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingTarget_ExitsTwoWithFix()
    {
        Skip.If(Environment.GetEnvironmentVariable("PGMOVE_TARGET") is not null, "PGMOVE_TARGET is set in this environment.");
        var (code, _, error) = await CliRunner.RunAsync("check", "--source", "host=127.0.0.1");
        Assert.Equal(2, code);
        Assert.Contains("--target is missing", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Check_PasswordOnCommandLine_WarnsAndNeverPrintsIt()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { PasswordAuth = true });
        var source = $"postgres://postgres:{PgCluster.SuperuserPassword}@127.0.0.1:{scenario.Source.Port}/postgres?sslmode=disable";
        var (code, output, error) = await CliRunner.RunAsync("check", "--source", source, "--target", Uri(scenario.Target), "--json");
        Assert.Equal(0, code);
        Assert.Contains("warning: the password of --source is on the command line", error, StringComparison.Ordinal);
        Assert.DoesNotContain(PgCluster.SuperuserPassword, output + error, StringComparison.Ordinal);
    }
}
