using PgMove.Cli.Output;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;

namespace PgMove.Tests.Cli;

/// <summary>What status says of the applications at each step of a switch (recorded in the store before each step).</summary>
public sealed class ApplicationsStateTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("Pausing", "switching", "queries are held")]
    [InlineData("Freezing", "switching", "queries are held")]
    [InlineData("Rewriting", "switching", "queries are held")]
    [InlineData("Reloading", "switching", "queries are held")]
    [InlineData("Resuming", "switching", "being resumed on the target")]
    [InlineData("Done", "target", "The applications use the target")]
    [InlineData("RollingBack", "source", "go on with the source")]
    public void Status_EachSwitchStep_SaysWhereTheApplicationsAre(string? step, string? applications, string? sentence)
    {
        var record = MigrationViewTests.Record(MigrationStatus.Syncing) with { SwitchStep = step };

        Assert.Equal(applications, ApplicationsState.Of(record));
        using var writer = new StringWriter();
        Consoles.For(writer, 200).Write(MigrationView.Render(record));
        if (sentence is null)
            Assert.DoesNotContain("applications", writer.ToString(), StringComparison.OrdinalIgnoreCase);
        else
            Assert.Contains(sentence, writer.ToString().ReplaceLineEndings(" "), StringComparison.Ordinal);
        using var json = new StringWriter();
        MigrationView.WriteJson(record, json);
        Assert.Contains(applications is null ? "\"applications\": null" : $"\"applications\": \"{applications}\"", json.ToString(), StringComparison.Ordinal);
    }
}
