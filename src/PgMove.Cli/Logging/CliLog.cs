using Microsoft.Extensions.Logging;

namespace PgMove.Cli.Logging;

/// <summary>The command line's own events (9xxx): how a verb ended, and the copy's progress events.</summary>
internal static partial class CliLog
{
    [LoggerMessage(9001, LogLevel.Error, "pgmove {Verb} failed [{Code}]: {Message} Fix: {Fix}")]
    public static partial void CommandFailed(this ILogger logger, string verb, string code, string message, string fix);

    [LoggerMessage(9002, LogLevel.Information, "Copy {Kind}: {Database}: {Message}")]
    public static partial void CopyEvent(this ILogger logger, string kind, string database, string message);

    [LoggerMessage(9003, LogLevel.Warning, "Copy warning: {Database}: {Message}")]
    public static partial void CopyWarning(this ILogger logger, string database, string message);

    [LoggerMessage(9004, LogLevel.Information, "Copy started: source {Source}, target {Target}")]
    public static partial void CopyStarted(this ILogger logger, string source, string target);

    [LoggerMessage(9005, LogLevel.Information, "Copy finished in {Seconds} s: {Databases} databases, {Rows} rows, {Bytes} bytes")]
    public static partial void CopyFinished(this ILogger logger, double seconds, int databases, long rows, long bytes);
}
