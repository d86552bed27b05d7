using System.CommandLine;
using Microsoft.Extensions.Logging;
using PgMove.Cli.Logging;
using PgMove.Core.Errors;

namespace PgMove.Cli.Commands;

/// <summary>The <c>pgmove</c> command tree. Usage errors exit 2, failed work exits 1.</summary>
public static class PgMoveCommandLine
{
    /// <summary>How long a verb has, after Ctrl-C or SIGTERM, to detach before the process is ended anyway.</summary>
    private static readonly TimeSpan CleanExitTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error)
    {
        using var logging = new CliLogging();
        var root = new RootCommand("PgMove moves a live PostgreSQL server to another PostgreSQL server.")
        {
            logging.Level,
            logging.File,
            CheckCommand.Create(output, error),
            CopyCommand.Create(output, error, logging),
            VerifyCommand.Create(output, error),
            UnfreezeCommand.Create(output),
            ServeCommand.Create(),
        };
        foreach (var command in MigrationCommands.Create(output, error, logging))
            root.Subcommands.Add(command);
        foreach (var command in FallbackCommands.Create(output, error, logging))
            root.Subcommands.Add(command);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                await error.WriteLineAsync($"error: {parseError.Message}");
            foreach (var suggestion in TypoSuggestions.For(parse))
                await error.WriteLineAsync(suggestion);
            await error.WriteLineAsync("Run 'pgmove --help' for usage.");
            return ExitCodes.Usage;
        }
        var verb = parse.CommandResult.Command.Name;
        try
        {
            logging.Configure(parse);
            // Ctrl-C and SIGTERM cancel the verb's token, and the verb detaches cleanly (the record saved, the stream
            // stopped). System.CommandLine's default is to exit 130 two seconds later: on a loaded machine a detach
            // took longer, and the forced exit then waited for the service host's own shutdown (up to 30 s).
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = CleanExitTimeout,
            });
        }
        catch (UsageException usage)
        {
            await error.WriteLineAsync($"error [{usage.Code}]: {usage.Message}\nfix: {usage.Fix}");
            return ExitCodes.Usage;
        }
        catch (PgMoveException failure)
        {
            logging.Factory.CreateLogger("PgMove.Cli").CommandFailed(verb, failure.Code, failure.Message, failure.Fix);
            await error.WriteLineAsync($"error [{failure.Code}]: {failure.Message}\nfix: {failure.Fix}");
            return ExitCodes.Failure;
        }
        catch (Npgsql.PostgresException refused) when (!ConnectionEnded(refused))
        {
            // A server answered with an error that no step expected: not a lost connection, and not to be called one.
            const string fix = "nothing half-made is trusted, so running the same command again is safe; if the error repeats, report it with the log (--log-file).";
            var message = $"a server refused a statement of pgmove {verb}: {refused.MessageText} ({refused.SqlState})";
            logging.Factory.CreateLogger("PgMove.Cli").CommandFailed(verb, "server.error", message, fix);
            await error.WriteLineAsync($"error [server.error]: {message}\nfix: {fix}");
            return ExitCodes.Failure;
        }
        catch (Exception lost) when (lost is Npgsql.NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // A server went away in a step that does not retry by itself (preflight, a catalog read, stop, verify):
            // say so in one line rather than crash with a stack trace. Nothing half-made is trusted: rerunning resumes.
            var what = lost is Npgsql.PostgresException pg ? $"{pg.MessageText} ({pg.SqlState})" : lost.Message;
            await error.WriteLineAsync($"error [connection.lost]: the connection to a server was lost: {what}\n" +
                "fix: check that both servers are up and reachable, then run the same command again (pgmove start resumes where it stopped).");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Interrupted.");
            return 130;
        }
    }

    /// <summary>
    /// A session the server ended or could not keep: a FATAL or PANIC error (a shutdown, a terminated backend, a
    /// session or transaction timeout), a connection exception (class 08) or an operator intervention (57P).
    /// </summary>
    private static bool ConnectionEnded(Npgsql.PostgresException error) =>
        error.Severity is "FATAL" or "PANIC"
        || error.SqlState.StartsWith("08", StringComparison.Ordinal) || error.SqlState.StartsWith("57P", StringComparison.Ordinal);
}
