using System.CommandLine;
using PgMove.Core.Errors;

namespace PgMove.Cli.Commands;

/// <summary>The <c>pgmove</c> command tree. Usage errors exit 2, failed work exits 1.</summary>
public static class PgMoveCommandLine
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("PgMove moves a live PostgreSQL server to another PostgreSQL server.")
        {
            CheckCommand.Create(output, error),
            CopyCommand.Create(output, error),
            VerifyCommand.Create(output, error),
            ServeCommand.Create(),
        };
        foreach (var command in MigrationCommands.Create(output, error))
            root.Subcommands.Add(command);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                await error.WriteLineAsync($"error: {parseError.Message}");
            await error.WriteLineAsync("Run 'pgmove --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException usage)
        {
            await error.WriteLineAsync($"error [{usage.Code}]: {usage.Message}\nfix: {usage.Fix}");
            return ExitCodes.Usage;
        }
        catch (PgMoveException failure)
        {
            await error.WriteLineAsync($"error [{failure.Code}]: {failure.Message}\nfix: {failure.Fix}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Interrupted.");
            return 130;
        }
    }
}
