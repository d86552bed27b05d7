using System.CommandLine;
using PgMove.Cli.Logging;
using PgMove.Cli.Output;
using PgMove.Core.Copy;
using PgMove.Core.Cutover;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using Spectre.Console;
using PgMove.Core.Text;

namespace PgMove.Cli.Commands;

/// <summary><c>pgmove start | status | stop | cutover</c>: the continuous migration and its controls.</summary>
internal static class MigrationCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error, CliLogging logging)
    {
        yield return Start(output, error, logging);
        yield return Status(output);
        yield return Stop(output);
        yield return Cutover(output, error, logging);
    }

    private static Command Start(TextWriter output, TextWriter error, CliLogging logging)
    {
        var source = CommonOptions.Source();
        var target = CommonOptions.Target();
        var ignore = CommonOptions.IgnoreDb();
        var method = CommonOptions.Method();
        var pgBin = CommonOptions.PgBin();
        var state = CommonOptions.State();
        var json = CommonOptions.Json();
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel COPY workers per database.", DefaultValueFactory = _ => 4 };
        var maxDays = new Option<double>("--max-days") { Description = "Stop the migration by itself after this many days.", DefaultValueFactory = _ => 14 };
        var maxWal = new Option<double>("--max-retained-wal-gb") { Description = "Stop the migration by itself when a slot retains more WAL than this on the source.", DefaultValueFactory = _ => 64 };
        var noDdlCapture = new Option<bool>("--no-ddl-capture")
        {
            Description = "Relay: install no event triggers on the source. DDL is then not carried: a database whose table changes shape stops at the first change that needs it, "
                + "with the statement to run on the target. For a new migration (a resume keeps the migration's own choice).",
        };
        var fallbackDays = new Option<double>("--fallback-days") { Description = "After a cutover with --fallback, finish the fallback by itself after this many days.", DefaultValueFactory = _ => 7 };
        var applyDdl = new Option<bool>("--apply-ddl")
        {
            Description = "Subscription method, when resuming: run on the target the DDL PgMove captured on the source that the target lacks (in the source's order), then enable the subscription again.",
        };
        var command = new Command("start", "Start (or resume) a continuous migration: copy, then stream changes until cutover or stop. Ctrl-C detaches; run start again to resume.")
        {
            source, target, ignore, method, jobs, maxDays, maxWal, noDdlCapture, applyDdl, fallbackDays, pgBin, state, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(jobs) is < 1 or > 64)
                throw new Core.Errors.UsageException("usage.bad_jobs", $"--jobs {parse.GetValue(jobs)} is out of range.", "Give a number of workers between 1 and 64.");
            if (parse.GetValue(maxDays) is not (> 0 and <= 365) || parse.GetValue(fallbackDays) is not (> 0 and <= 365) || parse.GetValue(maxWal) <= 0)
                throw new Core.Errors.UsageException("usage.bad_limit", "--max-days and --fallback-days must be between 0 and 365 and --max-retained-wal-gb above 0.",
                    "Give e.g. --max-days 14 --fallback-days 7 --max-retained-wal-gb 64.");
            var chosen = CommonOptions.ParseMethod(parse.GetValue(method)!);
            if (chosen == MigrationMethod.Dump)
                throw new Core.Errors.UsageException("usage.method_unsupported", "pgmove start --method dump is not a continuous migration.",
                    "Use pgmove copy for a one-time copy.");
            var options = new MigrationOptions
            {
                Source = CommonOptions.Resolve(parse.GetValue(source), "--source", "PGMOVE_SOURCE", error),
                Target = CommonOptions.Resolve(parse.GetValue(target), "--target", "PGMOVE_TARGET", error),
                IgnoreDatabases = parse.GetValue(ignore) ?? [],
                Method = chosen,
                Jobs = parse.GetValue(jobs),
                PgBinDirectory = parse.GetValue(pgBin),
                // Given ones only: a resume without them keeps the limits the migration was started with.
                MaxDuration = Given(parse, maxDays) ? TimeSpan.FromDays(parse.GetValue(maxDays)) : null,
                FallbackMaxDuration = Given(parse, fallbackDays) ? TimeSpan.FromDays(parse.GetValue(fallbackDays)) : null,
                MaxRetainedWalBytes = Given(parse, maxWal) ? (long)(parse.GetValue(maxWal) * 1024 * 1024 * 1024) : null,
                CaptureDdl = !parse.GetValue(noDdlCapture),
                ApplyDdl = parse.GetValue(applyDdl),
                LoggerFactory = logging.Factory,
            };
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            try
            {
                var runner = await MigrationRunner.CreateOrResumeAsync(store, options, ct);
                return await RunAsync(runner, output, parse.GetValue(json), ct);
            }
            catch (PreflightFailedException failed)
            {
                PreflightTable.Write(failed.Report, output);
                await error.WriteLineAsync("error [preflight.failed]: nothing was created; fix the failed checks above and run pgmove start again.");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>Whether the option was on the command line (not only its default).</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static Command Status(TextWriter output)
    {
        var state = CommonOptions.State();
        var json = CommonOptions.Json();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var command = new Command("status", "Show the latest migration: status, and per database phase, copy progress, applied LSN, lag.") { id, state, json };
        command.SetAction(parse =>
        {
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var record = MigrationControl.Find(store, parse.GetValue(id));
            var fallback = Core.Fallback.FallbackState.Of(store, record);
            if (parse.GetValue(json))
                MigrationView.WriteJson(record, output, fallback);
            else
                Consoles.For(output).Write(MigrationView.Render(record, describeRunner: true, fallback));
            // A stream back in error (its slots perhaps still on the new server) fails the status as a migration in error does.
            return record.Status == MigrationStatus.Error || fallback?.Status == MigrationStore.Name(MigrationStatus.Error) ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    private static Command Stop(TextWriter output)
    {
        var state = CommonOptions.State();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var command = new Command("stop", "Stop the migration: drop its slots and publications on the source, keep every row already on the target.") { id, state };
        command.SetAction(async (parse, ct) =>
        {
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var before = MigrationControl.Find(store, parse.GetValue(id));
            // Done with a way back still running: what is left to stop is the fallback (pgmove finish).
            if (before.Status == MigrationStatus.Done && Core.Fallback.FallbackPair.ReverseOf(store, before) is { } reverse && (reverse.IsActive || reverse.Status == MigrationStatus.Error))
            {
                var finished = await MigrationControl.StopAsync(store, reverse.Id, ct);
                Consoles.For(output).WriteLine($"Migration {before.Id} was cut over with --fallback: its fallback is {MigrationStore.Name(finished.Status)}. "
                    + (finished.Error is { } stopError ? $"{stopError} fix: {finished.Fix}" : finished.Result));
                return finished.Status == MigrationStatus.Canceled ? ExitCodes.Success : ExitCodes.Failure;
            }
            var record = await MigrationControl.StopAsync(store, before.Id, ct);
            // A retry is an answer: stopping what is already stopped or done reports it and succeeds.
            if (before.Status is MigrationStatus.Canceled or MigrationStatus.Done)
                Consoles.For(output).WriteLine($"Migration {record.Id} was already {MigrationStore.Name(record.Status)} ({record.UpdatedAt:u}); nothing to stop.");
            Consoles.For(output).Write(MigrationView.Render(record));
            return record.Status is MigrationStatus.Canceled or MigrationStatus.Done ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Cutover(TextWriter output, TextWriter error, CliLogging logging)
    {
        var state = CommonOptions.State();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var freeze = new Option<bool>("--freeze-source") { Description = "Make the source databases read-only for everyone first (and end their sessions)." };
        var fallback = new Option<bool>("--fallback")
        {
            Description = "Keep the source in step with the target after the switch (a stream from the target back to the source), so that pgmove fallback "
                + "can move the applications back without losing a write; pgmove finish ends it (relay; needs --pgbouncer or --switch-command).",
        };
        var switching = new SwitchOptions();
        var command = new Command("cutover", "Wait until the target has every change, copy sequences and large objects, verify, and drop everything PgMove made; "
            + "with --pgbouncer or --switch-command, move the applications to the target while their writes wait.") { id, freeze, fallback, state };
        foreach (var option in switching.All)
            command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var switchSettings = switching.Read(parse, error);
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var current = MigrationControl.Find(store, parse.GetValue(id));
            var already = current.Status == MigrationStatus.Done;
            if (parse.GetValue(fallback) && !already)
                switchSettings = FallbackCommands.WithFallback(switchSettings, current);
            // A cutover a dead process left half-way goes on with the switch it was asked (which may have moved PgBouncer's
            // entries already, so that none leads to the source any more): nothing to check then.
            if (switchSettings is not null && !already && !MigrationControl.CutoverUnfinished(current))
            {
                // Every check the switch can make before anything is touched, here: a wrong PgBouncer is a usage error.
                var (checkSource, checkTarget) = store.ReadSecrets(current.Id);
                await CutoverSwitch.CheckAsync(switchSettings, checkSource, checkTarget, current.Databases.Select(d => d.Name).ToList(), ct);
            }
            var record = await MigrationControl.RequestCutoverAsync(store, parse.GetValue(id), parse.GetValue(freeze), ct, switchSettings);
            if (already && record is not null)
                Consoles.For(output).WriteLine($"Migration {record.Id} was already cut over ({record.UpdatedAt:u}); its recorded result follows.");
            if (record is null)
            {
                // No process is running it: resume it here; it cuts over as soon as it is in sync.
                var found = MigrationControl.Find(store, parse.GetValue(id));
                var (source, target) = store.ReadSecrets(found.Id);
                var runner = await MigrationRunner.CreateOrResumeAsync(store, new MigrationOptions
                {
                    Source = source, Target = target, IgnoreDatabases = found.IgnoreDatabases, LoggerFactory = logging.Factory, EndAfterCutover = true,
                }, ct);
                var exit = await RunAsync(runner, output, json: false, ct);
                // This run ends with the cutover: a stream back it made is left to pgmove start, which nothing runs yet.
                if (Core.Fallback.FallbackState.Of(store, store.Get(found.Id)!) is { Active: true, RunnerAlive: false })
                    Consoles.For(output).WriteLine("The fallback's stream back is not running yet: no pgmove process runs it, so the source does not follow the target. "
                        + "Run pgmove start as the migration was started (its --source, --target and --state) to run it; pgmove status shows whether it runs.");
                return exit == ExitCodes.Success && runner.Snapshot.Status != MigrationStatus.Done && !ct.IsCancellationRequested ? ExitCodes.Failure : exit;
            }
            Consoles.For(output).Write(MigrationView.Render(record));
            return record.Status == MigrationStatus.Done ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Runs in the foreground with a live view; Ctrl-C detaches and leaves the migration resumable.</summary>
    internal static async Task<int> RunAsync(MigrationRunner runner, TextWriter output, bool json, CancellationToken ct)
    {
        var console = Consoles.For(output);
        var running = runner.RunAsync(ct);
        if (json)
        {
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(2000, CancellationToken.None));
                MigrationView.WriteJson(runner.Snapshot, output);
            }
        }
        else if (console.Profile.Capabilities.Interactive)
        {
            await console.Live(MigrationView.Render(runner.Snapshot)).StartAsync(async live =>
            {
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(1000, CancellationToken.None));
                    live.UpdateTarget(MigrationView.Render(runner.Snapshot));
                }
            });
        }
        else
        {
            var lastStatus = "";
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(2000, CancellationToken.None));
                var snapshot = runner.Snapshot;
                var line = $"{MigrationStore.Name(snapshot.Status)}: " + string.Join("; ", snapshot.Databases.Select(d =>
                    $"{d.Name} {d.Phase.ToString().ToLowerInvariant()}{(d.CopyDone ? "" : $" {d.TablesDone}/{Plural.Of(d.TablesTotal, "table")}")}{(d.LagBytes is { } lag ? $" lag {lag / 1024} kB" : "")}"));
                if (line != lastStatus)
                    console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
                lastStatus = line;
            }
        }
        var record = await running;
        if (!json)
            console.Write(MigrationView.Render(record));
        else
            MigrationView.WriteJson(record, output);
        if (ct.IsCancellationRequested)
        {
            console.WriteLine("Detached: the migration keeps its slots and resumes with pgmove start.");
            return ExitCodes.Success;
        }
        return record.Status is MigrationStatus.Error ? ExitCodes.Failure : ExitCodes.Success;
    }
}
