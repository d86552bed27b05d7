using System.Text.Json;
using PgMove.Tests.Copy;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Cli;

/// <summary>--log-file gets the events of every verb, copy included.</summary>
public sealed class LogFileTests
{
    private static string Uri(PgCluster cluster) => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode=disable";

    [SkippableFact]
    public async Task Copy_LogFile_WritesJsonLinesOfItsEvents()
    {
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100)", "shop");
        var logFile = Path.Combine(Path.GetDirectoryName(scenario.StatePath)!, "copy.log");

        var (code, output, error) = await CliRunner.RunAsync(
            "copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target), "--state", scenario.StatePath, "--log-file", logFile);
        Assert.True(code == 0, output + error);

        var lines = (await File.ReadAllLinesAsync(logFile)).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var events = lines.Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return (Template: document.RootElement.GetProperty("@mt").GetString()!, Text: line);
        }).ToList();
        Assert.Contains(events, e => e.Template.StartsWith("Copy started", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Template.StartsWith("Copy {Kind}", StringComparison.Ordinal) && e.Text.Contains("\"shop\"", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Template.StartsWith("Copy finished", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Text.Contains(PgCluster.SuperuserPassword, StringComparison.Ordinal));
    }
}
