using System.Text.Json;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PgMove.Cli.Output;

/// <summary>A migration's status as a table (per database: phase, copy progress, applied LSN, lag) or as JSON.</summary>
internal static class MigrationView
{
    private static readonly CliJson Json = CliJson.Output(indented: true, skipNulls: false);

    public static IRenderable Render(MigrationRecord record)
    {
        var grid = new Rows(
            new Markup($"Migration [bold]{record.Id}[/] ({record.Method.ToString().ToLowerInvariant()}): {Badge(record.Status)}   {Markup.Escape(record.Source)} -> {Markup.Escape(record.Target)}"),
            Table(record),
            new Markup(record.Error is null ? (record.Result is null ? "" : Markup.Escape(record.Result)) : $"[red]error:[/] {Markup.Escape(record.Error)}\n[yellow]fix:[/] {Markup.Escape(record.Fix ?? "")}"));
        return grid;
    }

    public static void WriteJson(MigrationRecord record, TextWriter writer) =>
        writer.WriteLine(JsonSerializer.Serialize(new MigrationJson(record.Id, MigrationStore.Name(record.Status), record.Method, record.CreatedAt, record.UpdatedAt,
            record.Source, record.Target, record.IgnoreDatabases, record.Error, record.Fix, record.Result, record.Databases), Json.MigrationJson));

    private static Table Table(MigrationRecord record)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("Database", "Phase", "Copy", "Applied LSN", "Lag", "Changes/s", "WAL retained", "Note");
        foreach (var db in record.Databases)
        {
            var copy = db.CopyDone ? "done" : db.TablesTotal == 0 ? "-" : $"{db.TablesDone}/{db.TablesTotal} tables, {db.BytesDone / 1048576.0:N0}/{db.BytesTotal / 1048576.0:N0} MB";
            var lag = db.LagBytes is null ? "-" : $"{db.LagBytes / 1024.0:N0} kB, {db.LagSeconds:N1} s";
            table.AddRow(
                Markup.Escape(db.Name),
                db.Phase.ToString().ToLowerInvariant(),
                copy,
                db.AppliedLsn ?? "-",
                lag,
                db.ChangesPerSecond is { } rate ? $"{rate:N0}" : "-",
                db.RetainedWalBytes is { } wal ? $"{wal / 1048576.0:N1} MB" : "-",
                Markup.Escape(db.LastError ?? ""));
        }
        return table;
    }

    public static string Badge(MigrationStatus status) => status switch
    {
        MigrationStatus.Running => "[blue]running[/]",
        MigrationStatus.Syncing => "[green]syncing[/]",
        MigrationStatus.Done => "[green bold]done[/]",
        MigrationStatus.Canceled => "[yellow]canceled[/]",
        _ => "[red]error[/]",
    };
}
