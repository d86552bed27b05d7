using PgMove.Core.Preflight;
using PgMove.Core.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PgMove.Cli.Output;

/// <summary>
/// The preflight report as a table (check id, result, what was found, how to fix it), or one block per check on a
/// console too narrow for the table.
/// </summary>
internal static class PreflightTable
{
    public static void Write(PreflightReport report, TextWriter writer) => Write(report, Consoles.For(writer));

    public static void Write(PreflightReport report, IAnsiConsole console)
    {
        console.MarkupLine($"Preflight for the [bold]{report.Method.ToString().ToLowerInvariant()}[/] method: {Markup.Escape(report.Source)} -> {Markup.Escape(report.Target)}");
        console.Write(new Fitting(Table(report), Blocks(report), wrapWords: true));
        var warnings = report.Count(CheckStatus.Warn);
        console.MarkupLine(
            $"{report.Count(CheckStatus.Pass)} passed, {warnings} {Plural.Noun(warnings, "warning")}, {report.Count(CheckStatus.Fail)} failed, {report.Count(CheckStatus.Skip)} skipped." +
            (report.HasFailures ? " [red]Fix the failed checks before migrating.[/]" : " [green]Ready to migrate.[/]"));
    }

    private static Table Table(PreflightReport report)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Check");
        table.AddColumn("Result");
        table.AddColumn(new TableColumn("Found").Width(70));
        table.AddColumn(new TableColumn("Fix").Width(60));
        foreach (var result in report.Results)
            table.AddRow(new Text(result.Id), new Markup(Badge(result.Status)), new Text(result.Message), new Text(result.Fix ?? ""));
        return table;
    }

    private static Rows Blocks(PreflightReport report) =>
        new(report.Results.Select(result =>
        {
            var lines = new List<(string, IRenderable)> { ("found", new Text(result.Message)) };
            if (!string.IsNullOrEmpty(result.Fix))
                lines.Add(("fix", new Text(result.Fix)));
            return Fitting.Block(new Markup($"{Badge(result.Status)} [bold]{Markup.Escape(result.Id)}[/]"), lines);
        }));

    private static string Badge(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "[green]pass[/]",
        CheckStatus.Warn => "[yellow]warn[/]",
        CheckStatus.Fail => "[red]fail[/]",
        _ => "[grey]skip[/]",
    };
}
