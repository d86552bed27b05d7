using System.Globalization;
using PgMove.Core.Verify;
using Spectre.Console;

namespace PgMove.Cli.Output;

/// <summary>The verify report for people: the tables that differ, then one summary line.</summary>
internal static class VerifyTable
{
    public static void Write(VerifyReport report, TimeSpan elapsed, TextWriter writer)
    {
        var console = Consoles.For(writer);
        console.MarkupLine($"Verify: {Markup.Escape(report.Source)} -> {Markup.Escape(report.Target)}");
        var differences = report.Differences.ToList();
        if (differences.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Database");
            table.AddColumn("Table");
            table.AddColumn(new TableColumn("Source rows").RightAligned());
            table.AddColumn(new TableColumn("Target rows").RightAligned());
            table.AddColumn(new TableColumn("What differs").Width(80));
            foreach (var result in differences)
            {
                table.AddRow(
                    new Text(result.Database),
                    new Text(result.Table.ToString()),
                    new Text(Rows(result.SourceRows)),
                    new Text(Rows(result.TargetRows)),
                    new Text(result.Detail ?? ""));
            }
            console.Write(table);
        }
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{report.Tables.Count} tables compared in {report.Databases.Count} databases ({report.SourceRows:N0} rows on the source, {report.TargetRows:N0} on the target) in {elapsed.TotalSeconds:0.0} s: ");
        console.MarkupLine(Markup.Escape(summary) + (differences.Count == 0
            ? "[green]every table matches.[/]"
            : $"[red]{differences.Count} differ.[/]"));
    }

    private static string Rows(long? rows) => rows is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "missing";
}
