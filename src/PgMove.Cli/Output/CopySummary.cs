using PgMove.Core.Copy;
using Spectre.Console;

namespace PgMove.Cli.Output;

internal static class CopySummary
{
    public static void Write(IAnsiConsole console, CopyResult result)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("Database", "Outcome", "Tables", "Rows", "MB", "Seconds");
        foreach (var db in result.Databases)
            table.AddRow(Markup.Escape(db.Database), db.Outcome, $"{db.Tables}", $"{db.Rows:N0}", $"{db.Bytes / 1048576.0:N1}", $"{db.Elapsed.TotalSeconds:N1}");
        console.Write(table);
        if (result.Roles is { } roles)
        {
            console.MarkupLine($"Roles: {roles.Created.Count} created, {roles.AlreadyPresent.Count} already on the target.");
            foreach (var failure in roles.Failures)
                console.MarkupLine($"[yellow]role not copied[/]: {Markup.Escape(failure)}");
        }
        console.MarkupLine($"[green]Copy finished[/] in {result.Elapsed.TotalSeconds:N1} s. Check it with: pgmove verify");
    }
}
