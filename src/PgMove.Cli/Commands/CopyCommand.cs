using System.CommandLine;
using Microsoft.Extensions.Logging;
using PgMove.Cli.Logging;
using PgMove.Cli.Output;
using PgMove.Core.Copy;

namespace PgMove.Cli.Commands;

/// <summary><c>pgmove copy</c>: a consistent one-time copy of every database (the dump method).</summary>
internal static class CopyCommand
{
    public static Command Create(TextWriter output, TextWriter error, CliLogging logging)
    {
        var source = CommonOptions.Source();
        var target = CommonOptions.Target();
        var ignore = CommonOptions.IgnoreDb();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var state = CommonOptions.State();
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel COPY workers per database.", DefaultValueFactory = _ => 4 };
        var noRoles = new Option<bool>("--no-roles") { Description = "Do not copy roles; objects are owned by the target user." };

        var command = new Command("copy", "Copy every database of the source into the target, consistently, once (the dump method).")
        {
            source, target, ignore, jobs, noRoles, pgBin, state, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var workers = parse.GetValue(jobs);
            if (workers is < 1 or > 64)
                throw new Core.Errors.UsageException("usage.bad_jobs", $"--jobs {workers} is out of range.", "Give a number of workers between 1 and 64.");
            var options = new CopyOptions
            {
                Source = CommonOptions.Resolve(parse.GetValue(source), "--source", "PGMOVE_SOURCE", error),
                Target = CommonOptions.Resolve(parse.GetValue(target), "--target", "PGMOVE_TARGET", error),
                IgnoreDatabases = parse.GetValue(ignore) ?? [],
                Jobs = workers,
                IncludeRoles = !parse.GetValue(noRoles),
                PgBinDirectory = parse.GetValue(pgBin),
                StatePath = parse.GetValue(state),
            };
            var progress = new CopyProgress();
            // The copy engine reports through its progress events; the log file gets them as the other verbs' events.
            var logger = logging.Factory.CreateLogger("PgMove.Copy");
            progress.Event += e =>
            {
                if (e.Kind == "warning")
                    logger.CopyWarning(e.Database ?? "-", e.Message);
                else
                    logger.CopyEvent(e.Kind, e.Database ?? "-", e.Message);
            };
            logger.CopyStarted(options.Source.ToString(), options.Target.ToString());
            try
            {
                if (parse.GetValue(json))
                    return await RunJsonAsync(options, progress, output, logger, ct);
                var console = Consoles.For(output);
                var result = await CopyDisplay.RunAsync(console, progress, () => CopyRunner.RunAsync(options, progress, ct));
                Log(logger, result);
                CopySummary.Write(console, result);
                return ExitCodes.Success;
            }
            catch (PreflightFailedException failed)
            {
                if (parse.GetValue(json))
                    PreflightJson.Write(failed.Report, output);
                else
                    PreflightTable.Write(failed.Report, output);
                await error.WriteLineAsync("error [preflight.failed]: nothing was copied; fix the failed checks above and run pgmove copy again.");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static void Log(ILogger logger, CopyResult result) =>
        logger.CopyFinished(result.Elapsed.TotalSeconds, result.Databases.Count, result.Databases.Sum(d => d.Rows), result.Databases.Sum(d => d.Bytes));

    private static async Task<int> RunJsonAsync(CopyOptions options, CopyProgress progress, TextWriter output, ILogger logger, CancellationToken ct)
    {
        var events = new CopyJsonEvents(output, progress);
        progress.Event += events.OnEvent;
        var running = CopyRunner.RunAsync(options, progress, ct);
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(1000, CancellationToken.None));
            if (!running.IsCompleted)
                events.WriteProgress();
        }
        try
        {
            var result = await running;
            Log(logger, result);
            events.WriteResult(result);
        }
        catch (Core.Errors.PgMoveException failure) when (failure is not PreflightFailedException)
        {
            // A script reading the lines must see how it ended, not just a closed stream.
            events.WriteFailure(failure);
            throw;
        }
        return ExitCodes.Success;
    }
}
