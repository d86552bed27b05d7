using System.CommandLine;
using PgMove.Cli.Logging;
using PgMove.Cli.Output;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;
using Spectre.Console;

namespace PgMove.Cli.Commands;

/// <summary>
/// <c>pgmove fallback | finish</c>, after <c>pgmove cutover --fallback</c>: move the applications back to the old server
/// (which followed the new one), or end the way back.
/// </summary>
internal static class FallbackCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error, CliLogging logging)
    {
        yield return Fallback(output, error, logging);
        yield return Finish(output);
    }

    /// <summary>The cutover's switch settings with the fallback asked; a usage error where a fallback cannot be had.</summary>
    public static SwitchSettings WithFallback(SwitchSettings? settings, MigrationRecord migration)
    {
        if (settings is null)
            throw new UsageException("usage.fallback_needs_switch", "--fallback starts the way back at the switch of the applications, and no switch was asked.",
                "Add --pgbouncer (or --switch-command) to the cutover, or drop --fallback.");
        if (migration.Method != MigrationMethod.Relay)
            throw new UsageException("usage.fallback_method", $"--fallback needs a relay migration; migration {migration.Id} uses the {migration.Method.ToString().ToLowerInvariant()} method.",
                "Cut over without --fallback, or run the migration again with --method relay.");
        return settings with { Fallback = true };
    }

    private static Command Fallback(TextWriter output, TextWriter error, CliLogging logging)
    {
        var state = CommonOptions.State();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var switching = new SwitchOptions();
        var command = new Command("fallback", "After a cutover with --fallback: move the applications back to the old server (which followed the new one), "
            + "with the same switch (--pgbouncer or --switch-command); the migration is syncing again, the new server following the old one.") { id, state };
        foreach (var option in switching.All)
            command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var settings = switching.Read(parse, error)
                ?? throw new UsageException("usage.fallback_needs_switch", "pgmove fallback moves the applications back, and no switch was given.",
                    "Add --pgbouncer with PgBouncer's admin console (or --switch-command), as for the cutover.");
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var (migration, reverse, alreadyDone) = MigrationControl.FindFallback(store, parse.GetValue(id));
            if (alreadyDone is not null)
            {
                Consoles.For(output).WriteLine(alreadyDone);
                Consoles.For(output).Write(MigrationView.Render(migration));
                return ExitCodes.Success;
            }
            var (source, target) = store.ReadSecrets(reverse.Id);
            // A fallback a dead process left half-way goes on with the switch it was asked: nothing to check then.
            if (!MigrationControl.CutoverUnfinished(reverse))
                await CutoverSwitch.CheckAsync(settings, source, target, reverse.Databases.Select(d => d.Name).ToList(), ct);
            // The fallback is the fallback stream's own cutover, with the switch: its runner (pgmove start) does it.
            var answered = await MigrationControl.RequestCutoverAsync(store, reverse.Id, freeze: true, ct, settings);
            if (answered is null)
            {
                // No process runs the fallback stream: run it here for the fallback only (pgmove start then runs the migration again).
                var runner = await MigrationRunner.CreateOrResumeAsync(store, new MigrationOptions
                {
                    Source = source, Target = target, LoggerFactory = logging.Factory, EndAfterCutover = true,
                }, ct);
                await MigrationCommands.RunAsync(runner, TextWriter.Null, json: false, ct);
            }
            var fell = store.Get(reverse.Id)!;
            var after = store.Get(migration.Id)!;
            if (fell.Status == MigrationStatus.Done)
                Consoles.For(output).WriteLine($"Fell back: {fell.Result}");
            else
                // A refused switch names its cause in Error; a stream back ended meanwhile (a limit, finish) in Result.
                await error.WriteLineAsync($"error [fallback.refused]: {fell.Error ?? fell.Result}\nfix: {fell.Fix ?? FixOf(fell)}");
            Consoles.For(output).Write(MigrationView.Render(after, fallback: FallbackState.Of(store, after)));
            return fell.Status == MigrationStatus.Done ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static string FixOf(MigrationRecord stream) => stream.IsActive
        ? "Run pgmove fallback again."
        : "The way back has ended: the applications stay on the new server; pgmove status shows the migration.";

    private static Command Finish(TextWriter output)
    {
        var state = CommonOptions.State();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var command = new Command("finish", "After a cutover with --fallback: end the way back, dropping the fallback's slots and publication on the new server "
            + "(the old server stays read-only; pgmove unfreeze makes it writable).") { id, state };
        command.SetAction(async (parse, ct) =>
        {
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var lookup = MigrationControl.FindFinish(store, parse.GetValue(id));
            if (lookup.AlreadyDone is not null)
            {
                Consoles.For(output).WriteLine(lookup.AlreadyDone);
                return ExitCodes.Success;
            }
            var (finished, message) = await MigrationControl.FinishAsync(lookup, stream => MigrationControl.StopAsync(store, stream, ct));
            Consoles.For(output).WriteLine(message);
            return finished ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
