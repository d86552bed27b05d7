using System.Globalization;
using PgMove.Core.Text;
using PgMove.Core.Verify;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PgMove.Cli.Output;

/// <summary>
/// The verify report for people: the tables that differ (a table, or one block per table on a narrow console),
/// then one summary line.
/// </summary>
internal static class VerifyTable
{
    public static void Write(VerifyReport report, TimeSpan elapsed, TextWriter writer) => Write(report, elapsed, Consoles.For(writer));

    public static void Write(VerifyReport report, TimeSpan elapsed, IAnsiConsole console)
    {
        console.MarkupLine($"Verify: {Markup.Escape(report.Source)} -> {Markup.Escape(report.Target)}");
        var differences = report.Differences.ToList();
        if (differences.Count > 0)
            console.Write(new Fitting(Table(differences), Blocks(differences), wrapWords: true));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{Plural.Of(report.Tables.Count, "table")} compared in {Plural.Of(report.Databases.Count, "database")} ({Plural.Of(report.SourceRows, "row")} on the source, {report.TargetRows:N0} on the target) in {elapsed.TotalSeconds:0.0} s: ");
        console.MarkupLine(Markup.Escape(summary) + (differences.Count == 0
            ? "[green]every table matches.[/]"
            : $"[red]{differences.Count} differ{(differences.Count == 1 ? "s" : "")}.[/]"));
    }

    private static Table Table(List<TableComparison> differences)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Database");
        table.AddColumn("Table");
        table.AddColumn(new TableColumn("Source rows").RightAligned());
        table.AddColumn(new TableColumn("Target rows").RightAligned());
        table.AddColumn(new TableColumn("What differs").Width(80));
        foreach (var result in differences)
            table.AddRow(new Text(result.Database), new Text(result.Table.ToString()), new Text(Rows(result.SourceRows)), new Text(Rows(result.TargetRows)), new Text(result.Detail ?? ""));
        return table;
    }

    private static Rows Blocks(List<TableComparison> differences) =>
        new(differences.Select(result => Fitting.Block(new Markup($"[bold]{Markup.Escape(result.DisplayName)}[/]"),
        [
            ("source rows", new Text(Rows(result.SourceRows))),
            ("target rows", new Text(Rows(result.TargetRows))),
            ("differs", new Text(result.Detail ?? "")),
        ])));

    private static string Rows(long? rows) => rows is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "missing";
}
