using PgMove.Cli.Commands;

namespace PgMove.Tests.Cli;

public sealed class TypoSuggestionsTests
{
    [Theory]
    [InlineData(new[] { "check", "--ignore-dbs", "x" }, "did you mean --ignore-db?")]
    [InlineData(new[] { "copy", "--ignore-db=a", "--jsn" }, "did you mean --json?")]
    [InlineData(new[] { "status", "--log-fil", "f" }, "did you mean --log-file?")]
    [InlineData(new[] { "chek" }, "did you mean check?")]
    public async Task Parse_NearMiss_SuggestsTheNameAndExitsTwo(string[] args, string suggestion)
    {
        var (code, _, error) = await CliRunner.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains(suggestion, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_NothingClose_SuggestsNothing()
    {
        var (code, _, error) = await CliRunner.RunAsync("check", "--completely-different");
        Assert.Equal(2, code);
        Assert.DoesNotContain("did you mean", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ignore-dbs", "--ignore-db", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    public void Distance_Levenshtein(string a, string b, int expected) => Assert.Equal(expected, TypoSuggestions.Distance(a, b));
}
