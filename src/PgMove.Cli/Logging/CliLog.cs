using Microsoft.Extensions.Logging;

namespace PgMove.Cli.Logging;

/// <summary>The command line's own events (9xxx): how a verb ended.</summary>
internal static partial class CliLog
{
    [LoggerMessage(9001, LogLevel.Error, "pgmove {Verb} failed [{Code}]: {Message} Fix: {Fix}")]
    public static partial void CommandFailed(this ILogger logger, string verb, string code, string message, string fix);
}
