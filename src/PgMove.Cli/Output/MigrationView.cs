using System.Globalization;
using System.Text.Json;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;
using PgMove.Core.State;
using PgMove.Core.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PgMove.Cli.Output;

/// <summary>
/// A migration's status as a table (per database: phase, copy progress, applied LSN, lag), one block per database
/// on a console too narrow for the table, or as JSON.
/// </summary>
internal static class MigrationView
{
    private static readonly CliJson Json = CliJson.Output(indented: true, skipNulls: false);

    /// <param name="record">The migration as the store (or its runner) has it.</param>
    /// <param name="describeRunner">
    /// Say who runs it (status, read from another process); the runner's own display knows it runs it.
    /// </param>
    /// <param name="fallback">The reverse stream of a cutover with fallback, if the migration has one.</param>
    public static IRenderable Render(MigrationRecord record, bool describeRunner = false, FallbackState? fallback = null)
    {
        var parts = new List<IRenderable>
        {
            new Markup($"Migration [bold]{record.Id}[/] ({record.Method.ToString().ToLowerInvariant()}): {Badge(record.Status)}   {Markup.Escape(record.Source)} -> {Markup.Escape(record.Target)}"),
        };
        if (describeRunner && RunnerLine(record) is { } runner)
            parts.Add(runner);
        var databases = Shown(record);
        parts.Add(new Fitting(Table(databases), Blocks(databases), wrapWords: false));
        parts.Add(new Markup(record.Error is null ? (record.Result is null ? "" : Markup.Escape(record.Result)) : $"[red]error:[/] {Markup.Escape(record.Error)}\n[yellow]fix:[/] {Markup.Escape(record.Fix ?? "")}"));
        if (ApplicationsState.Describe(record) is { } applications)
            parts.Add(new Markup(Markup.Escape(applications)));
        if (fallback is not null)
            parts.Add(new Markup(Markup.Escape(DescribeFallback(fallback))));
        foreach (var warning in record.Warnings)
            parts.Add(new Markup($"[yellow]warning:[/] {Markup.Escape(warning)}"));
        return new Rows(parts);
    }

    public static void WriteJson(MigrationRecord record, TextWriter writer, FallbackState? fallback = null) =>
        writer.WriteLine(JsonSerializer.Serialize(new MigrationJson(record.Id, MigrationStore.Name(record.Status), record.Method, record.CreatedAt, record.UpdatedAt,
            record.Source, record.Target, record.IgnoreDatabases, record.Error, record.Fix, record.Result, Runner(record), Shown(record), record.Warnings, ApplicationsState.Of(record),
            fallback), Json.MigrationJson));

    /// <summary>
    /// One sentence on the way back: whether the source follows the target (a stream back that no process runs, or whose
    /// databases stopped, does not), how far behind, and what ended it.
    /// </summary>
    public static string DescribeFallback(FallbackState fallback)
    {
        if (!fallback.Active)
            return $"Fallback {fallback.Status}: {fallback.Error ?? fallback.Result}{(fallback.Error is not null && fallback.Fix is { } fix ? $" fix: {fix}" : "")}";
        var since = $"Fallback active since {fallback.Since:u}";
        if (!fallback.RunnerAlive)
            return $"{since}, but not running: no pgmove process runs the stream back, so the source does not follow the target. Run pgmove start to resume it "
                + "(as the migration was started: its --source and --target); "
                + "pgmove finish ends it.";
        var measures = $"lag {(fallback.LagBytes is { } lag ? $"{lag / 1024.0:N0} kB" : "unknown")}, "
            + $"WAL retained on the target {(fallback.RetainedWalBytes is { } wal ? $"{wal / 1048576.0:N1} MB" : "unknown")}";
        return (fallback.Error is { } error
                ? $"{since}, but not every database follows ({measures}): {error}{(fallback.Fix is { } fix2 ? $" fix: {fix2}" : "")} "
                : $"{since}: the source follows the target ({measures}). ")
            + "pgmove fallback moves the applications back; pgmove finish ends it.";
    }

    /// <summary>Who runs the migration: a live process (or service node holding the lease), or who ran it last and when.</summary>
    public static RunnerJson Runner(MigrationRecord record) =>
        new(MigrationControl.HasLiveRunner(record), record.RunnerPid, record.LeaseOwner ?? record.RunnerHost, record.RunnerHeartbeat);

    private static Markup? RunnerLine(MigrationRecord record)
    {
        var runner = Runner(record);
        if (runner.Alive)
            return new Markup(Markup.Escape(record.LeaseOwner is { } node ? $"Run by service node {node}." : $"Run by process {runner.Pid} on {runner.Host}."));
        if (!record.IsActive)
            return null;
        var since = runner.LastSeen is { } seen ? $" since {seen.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)}" : "";
        return new Markup($"[yellow]{Markup.Escape($"No pgmove process is running this migration{since}; run pgmove start to resume.")}[/]");
    }

    /// <summary>
    /// The databases as they should read: once a migration is done or canceled its slots are gone, so a last
    /// measured lag, rate or retained WAL would describe something that no longer exists.
    /// </summary>
    private static IReadOnlyList<DatabaseRecord> Shown(MigrationRecord record) =>
        record.Status is MigrationStatus.Done or MigrationStatus.Canceled
            ? [.. record.Databases.Select(d => d with { LagBytes = null, LagSeconds = null, RetainedWalBytes = null, ChangesPerSecond = null })]
            : record.Databases;

    private static Table Table(IReadOnlyList<DatabaseRecord> databases)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("Database", "Phase", "Copy", "Applied LSN", "Lag", "Changes/s", "WAL retained", "Note");
        foreach (var db in databases)
            table.AddRow(Cells(db).Select(c => c.Value).ToArray());
        return table;
    }

    private static Rows Blocks(IReadOnlyList<DatabaseRecord> databases) =>
        new(databases.Select(db =>
        {
            var cells = Cells(db);
            return Fitting.Block(new Markup($"[bold]{Markup.Escape(db.Name)}[/]"), cells.Skip(1).Where(c => c.Key != "note" || db.LastError is not null));
        }));

    private static List<(string Key, IRenderable Value)> Cells(DatabaseRecord db)
    {
        var copy = db.CopyDone ? "done" : db.TablesTotal == 0 ? "-"
            : $"{db.TablesDone}/{Plural.Of(db.TablesTotal, "table")}, {db.BytesDone / 1048576.0:N0}/{db.BytesTotal / 1048576.0:N0} MB";
        return
        [
            ("database", new Text(db.Name)),
            ("phase", new Text(db.Phase.ToString().ToLowerInvariant())),
            ("copy", new Text(copy)),
            ("applied LSN", new Text(db.AppliedLsn ?? "-")),
            ("lag", new Text(db.LagBytes is null ? "-" : $"{db.LagBytes / 1024.0:N0} kB, {db.LagSeconds:N1} s")),
            ("changes/s", new Text(db.ChangesPerSecond is { } rate ? $"{rate:N0}" : "-")),
            ("WAL retained", new Text(db.RetainedWalBytes is { } wal ? $"{wal / 1048576.0:N1} MB" : "-")),
            ("note", new Text(db.LastError ?? "")),
        ];
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
