using PgMove.Tests.Cli;

namespace PgMove.Tests.Server;

/// <summary><c>pgmove serve</c> refuses a bad configuration before listening: exit code 2 and the problem named.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_WithoutConfig_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("serve");
        Assert.Equal(2, code);
        Assert.Contains("--config", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MissingOrInvalidConfig_ExitsWithTheProblemNamed()
    {
        var directory = Directory.CreateTempSubdirectory("pgmove-serve-cli-").FullName;
        try
        {
            var (code, _, error) = await CliRunner.RunAsync("serve", "--config", Path.Combine(directory, "none.json"));
            Assert.Equal(2, code);
            Assert.Contains("config.missing", error, StringComparison.Ordinal);

            var config = Path.Combine(directory, "pgmove.json");
            await File.WriteAllTextAsync(config, """{ "tokens": ["0123456789abcdef0123"], "clusters": [ { "uuid": "x", "name": "a", "connection": "postgres://u@h/db" } ] }""");
            (code, _, error) = await CliRunner.RunAsync("serve", "--config", config);
            Assert.Equal(2, code);
            Assert.Contains("error [config.invalid]", error, StringComparison.Ordinal);
            Assert.Contains("clusters[0].uuid 'x' is not a UUID", error, StringComparison.Ordinal);
            Assert.Contains("fix:", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
