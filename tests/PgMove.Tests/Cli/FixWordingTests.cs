using PgMove.Core.Connections;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Preflight;

namespace PgMove.Tests.Cli;

/// <summary>The fixes the command line shows name what a command line user types, and only options the command accepts.</summary>
public sealed class FixWordingTests
{
    private static string Uri(PgCluster cluster, string sslMode = "disable") => $"postgres://postgres@127.0.0.1:{cluster.Port}/postgres?sslmode={sslMode}";

    [SkippableFact]
    public async Task Check_TlsRequiredButServerHasNone_FixNamesTheConnectionStringSetting()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var (code, output, error) = await CliRunner.RunAsync("check", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target, "require"));
        Assert.Equal(1, code);
        var text = Flatten(output + error);
        Assert.Contains("connection.tls_unavailable", text, StringComparison.Ordinal);
        Assert.Contains("sslmode=disable in the connection string", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task CopyAndCheck_TargetDatabaseHoldsTables_FixNamesOnlyOptionsTheCommandAccepts()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Target.ExecuteAsync("CREATE DATABASE app");
        await scenario.Target.ExecuteAsync("CREATE TABLE leftover (id int)", "app");

        var (copyCode, copyOutput, copyError) = await CliRunner.RunAsync("copy", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target),
            "--state", Path.Combine(Path.GetTempPath(), $"pgmove-fix-{Guid.NewGuid():N}.db"));
        Assert.Equal(1, copyCode);
        var copyText = Flatten(copyOutput + copyError);
        Assert.Contains("target.existing_databases", copyText, StringComparison.Ordinal);
        Assert.Contains("--ignore-db", copyText, StringComparison.Ordinal);
        Assert.DoesNotContain("--reuse-target-databases", copyText, StringComparison.Ordinal);

        var (checkCode, checkOutput, _) = await CliRunner.RunAsync("check", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target));
        Assert.Equal(1, checkCode);
        Assert.Contains("--reuse-target-databases", Flatten(checkOutput), StringComparison.Ordinal);
    }

    [Fact]
    public void TlsRequired_FixNamesBothAudiences()
    {
        var fix = ConnectionFailures.TlsRequired(new ConnectionSpec { Host = "h", Database = "d", Username = "u" }, "source", new InvalidOperationException()).Fix;
        Assert.Contains("sslmode=disable from the connection string", fix, StringComparison.Ordinal);
        Assert.Contains("\"disable_ssl\": false", fix, StringComparison.Ordinal);
    }

    /// <summary>The table's cells joined back into words, whatever the width made them wrap.</summary>
    private static string Flatten(string text) =>
        string.Join(' ', text.Split('\n').Select(l => l.Replace('│', ' ').Trim())).Replace("  ", " ", StringComparison.Ordinal);
}
