using System.CommandLine;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Cli.Commands;

/// <summary>
/// <c>pgmove unfreeze</c>: makes the source databases of a migration writable again after a cutover with
/// <c>--freeze-source</c> (successful, refused, failed or stopped). Works while they are read-only.
/// </summary>
internal static class UnfreezeCommand
{
    public static Command Create(TextWriter output)
    {
        var state = CommonOptions.State();
        var id = new Option<string?>("--id") { Description = "The migration (default: the latest)." };
        var command = new Command("unfreeze",
            "Make the migration's source databases writable again (undo --freeze-source). After a successful cutover, writes on the source no longer reach the target.")
        {
            id, state,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var store = MigrationStore.Open(parse.GetValue(state) ?? StatePaths.Default());
            var record = MigrationControl.Find(store, parse.GetValue(id));
            // The old server follows the new one: a write the applications made there would conflict with the stream back,
            // or be lost at a fallback, which takes the new server's data. Ending the way back is what makes it free.
            if (FallbackPair.ReverseOf(store, record) is { IsActive: true } reverse)
                throw new PgMoveException("unfreeze.fallback_active",
                    $"Migration {record.Id} keeps a way back: its source follows the target (fallback {reverse.Id}), so it stays read-only for all but PgMove; nothing was changed.",
                    "Run pgmove finish first to end the way back (or pgmove fallback to move the applications back), then pgmove unfreeze.");
            var (source, _) = store.ReadSecrets(record.Id);
            var databases = record.Databases.Select(d => d.Name).ToList();
            var changed = await SourceFreeze.UnfreezeAsync(source, databases, ct);
            if (changed.Count == 0)
                await output.WriteLineAsync($"No source database of migration {record.Id} is read-only: nothing to undo.");
            else
                await output.WriteLineAsync($"Writable again on the source: {string.Join(", ", changed)}." +
                    (record.Status == MigrationStatus.Done ? " The migration is done: writes there no longer reach the target." : ""));
            return ExitCodes.Success;
        });
        return command;
    }
}
