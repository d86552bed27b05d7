using PgMove.Core.Copy;
using Spectre.Console;
using PgMove.Core.Text;

namespace PgMove.Cli.Output;

/// <summary>The live copy display: a bar per database and one overall, with rows, MB, rate and time left.</summary>
internal static class CopyDisplay
{
    public static async Task<T> RunAsync<T>(IAnsiConsole console, CopyProgress progress, Func<Task<T>> work)
    {
        if (!console.Profile.Capabilities.Interactive)
            return await RunPlainAsync(console, progress, work);

        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var overall = ctx.AddTask("[bold]all databases[/]", maxValue: 1);
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var running = work();
                while (!running.IsCompleted)
                {
                    Update(ctx, progress, bars, overall);
                    await Task.WhenAny(running, Task.Delay(250));
                }
                Update(ctx, progress, bars, overall);
                result = await running;
            });
        return result;
    }

    private static void Update(ProgressContext ctx, CopyProgress progress, Dictionary<string, ProgressTask> bars, ProgressTask overall)
    {
        long done = 0, total = 0;
        foreach (var db in progress.Databases)
        {
            if (!bars.TryGetValue(db.Database, out var bar))
                bars[db.Database] = bar = ctx.AddTask(Markup.Escape(db.Database), maxValue: 1);
            var max = Math.Max(1, db.BytesTotal);
            bar.MaxValue = max;
            bar.Value = db.Phase is CopyPhase.Done or CopyPhase.Skipped ? max : Math.Min(db.BytesDone, max);
            bar.Description = $"{Markup.Escape(db.Database)} [grey]{db.Phase.ToString().ToLowerInvariant()}[/] {db.TablesDone}/{Plural.Of(db.TablesTotal, "table")}, {Plural.Of(db.RowsDone, "row")}, {db.BytesDone / 1048576.0:N0} MB{Rate(db)}";
            done += (long)bar.Value;
            total += max;
        }
        overall.MaxValue = Math.Max(1, total);
        overall.Value = done;
    }

    private static string Rate(DatabaseProgress db)
    {
        if (db.DataStarted is not { } started || db.Phase != CopyPhase.Data)
            return "";
        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        return seconds < 1 ? "" : $", {db.BytesDone / 1048576.0 / seconds:N1} MB/s";
    }

    /// <summary>Not a terminal: one line per event, readable in a log file.</summary>
    private static async Task<T> RunPlainAsync<T>(IAnsiConsole console, CopyProgress progress, Func<Task<T>> work)
    {
        void Print(CopyEvent e)
        {
            if (e.Kind is "table" or "build" or "step")
                return;
            console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {(e.Database is null ? "" : e.Database + ": ")}{e.Message}");
        }
        progress.Event += Print;
        try
        {
            return await work();
        }
        finally
        {
            progress.Event -= Print;
        }
    }
}
