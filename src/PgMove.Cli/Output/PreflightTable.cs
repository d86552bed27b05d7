using PgMove.Core.Preflight;
using Spectre.Console;

namespace PgMove.Cli.Output;

/// <summary>The preflight report as a table: check id, result, what was found, how to fix it.</summary>
internal static class PreflightTable
{
    public static void Write(PreflightReport report, TextWriter writer)
    {
        var console = Consoles.For(writer);
        console.MarkupLine($"Preflight for the [bold]{report.Method.ToString().ToLowerInvariant()}[/] method: {Markup.Escape(report.Source)} -> {Markup.Escape(report.Target)}");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Check");
        table.AddColumn("Result");
        table.AddColumn(new TableColumn("Found").Width(70));
        table.AddColumn(new TableColumn("Fix").Width(60));
        foreach (var result in report.Results)
        {
            table.AddRow(
                new Text(result.Id),
                new Markup(Badge(result.Status)),
                new Text(result.Message),
                new Text(result.Fix ?? ""));
        }
        console.Write(table);
        console.MarkupLine(
            $"{report.Count(CheckStatus.Pass)} passed, {report.Count(CheckStatus.Warn)} warnings, {report.Count(CheckStatus.Fail)} failed, {report.Count(CheckStatus.Skip)} skipped." +
            (report.HasFailures ? " [red]Fix the failed checks before migrating.[/]" : " [green]Ready to migrate.[/]"));
    }

    private static string Badge(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "[green]pass[/]",
        CheckStatus.Warn => "[yellow]warn[/]",
        CheckStatus.Fail => "[red]fail[/]",
        _ => "[grey]skip[/]",
    };
}
