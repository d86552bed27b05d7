using System.Text.Json;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Cli;

/// <summary>pgmove status says who runs the migration, and says so when nobody does any more.</summary>
public sealed class StatusRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Status_StartKilled_SaysNoRunnerIsAlive()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100)", "shop");
        int pid;
        await using (var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath))
        {
            pid = start.Id;
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == start.Id, Timeout);

            var (liveCode, liveJson, _) = await CliRunner.RunAsync("status", "--state", scenario.StatePath, "--json");
            Assert.Equal(0, liveCode);
            using (var live = JsonDocument.Parse(liveJson))
            {
                var runner = live.RootElement.GetProperty("runner");
                Assert.True(runner.GetProperty("alive").GetBoolean(), liveJson);
                Assert.Equal(pid, runner.GetProperty("pid").GetInt32());
                Assert.Equal(Environment.MachineName, runner.GetProperty("host").GetString());
            }
            await start.KillAsync();
        }

        var (code, json, error) = await CliRunner.RunAsync("status", "--state", scenario.StatePath, "--json");
        Assert.True(code == 0, json + error);
        using (var document = JsonDocument.Parse(json))
        {
            var runner = document.RootElement.GetProperty("runner");
            Assert.False(runner.GetProperty("alive").GetBoolean(), json);
            Assert.Equal(pid, runner.GetProperty("pid").GetInt32());
            Assert.Equal(Environment.MachineName, runner.GetProperty("host").GetString());
            Assert.Equal(JsonValueKind.String, runner.GetProperty("last_seen").ValueKind);
        }

        var (_, text, _) = await CliRunner.RunAsync("status", "--state", scenario.StatePath);
        Assert.Contains("No pgmove process is running this migration since", text, StringComparison.Ordinal);
        Assert.Contains("run pgmove start to resume", text, StringComparison.Ordinal);
    }
}
