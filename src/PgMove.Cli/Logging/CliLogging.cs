using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serilog;
using Serilog.Formatting.Compact;
using PgMove.Core.Errors;

namespace PgMove.Cli.Logging;

/// <summary>
/// <c>--log-level</c> and <c>--log-file</c>, on every verb: JSON lines on stderr (the console logger's JSON
/// formatter), or in a file (Serilog's compact JSON) when a file is named. Off unless one of them is given.
/// </summary>
internal sealed class CliLogging : IDisposable
{
    public Option<string?> Level { get; } = new Option<string?>("--log-level")
    {
        Description = "Log events as JSON lines: trace, debug, information, warning, error (to stderr, or to --log-file). Default: none (information with --log-file).",
        Recursive = true,
    }.AcceptOnlyFromAmong("trace", "debug", "information", "warning", "error", "critical", "none");

    public Option<string?> File { get; } = new("--log-file")
    {
        Description = "Append the log, as JSON lines, to this file instead of stderr.",
        Recursive = true,
    };

    /// <summary>What the engine is given; the null factory until <see cref="Configure"/>.</summary>
    public ILoggerFactory Factory { get; private set; } = NullLoggerFactory.Instance;

    public void Configure(ParseResult parse)
    {
        var levelName = parse.GetValue(Level);
        var path = parse.GetValue(File);
        if (levelName is null && path is null || levelName == "none")
            return;
        var level = Enum.Parse<LogLevel>(levelName ?? "information", ignoreCase: true);
        if (path is null)
        {
            Factory = LoggerFactory.Create(builder => builder
                .SetMinimumLevel(level)
                .AddJsonConsole(o => o.IncludeScopes = false)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            return;
        }
        try
        {
            // Serilog reports a file it cannot open only to its self-log: find out now, before anything starts.
            using (System.IO.File.AppendText(path))
            {
            }
            var serilog = new LoggerConfiguration()
                .MinimumLevel.Is(ToSerilog(level))
                .WriteTo.File(new CompactJsonFormatter(), path)
                .CreateLogger();
            Factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(level).AddSerilog(serilog, dispose: true));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException("usage.log_file", $"--log-file {path} cannot be written: {error.Message}", "Name a file in a folder you can write to.");
        }
    }

    private static Serilog.Events.LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Trace => Serilog.Events.LogEventLevel.Verbose,
        LogLevel.Debug => Serilog.Events.LogEventLevel.Debug,
        LogLevel.Information => Serilog.Events.LogEventLevel.Information,
        LogLevel.Warning => Serilog.Events.LogEventLevel.Warning,
        LogLevel.Error => Serilog.Events.LogEventLevel.Error,
        _ => Serilog.Events.LogEventLevel.Fatal,
    };

    /// <summary>Flushes: the console logger writes from a queue, Serilog's file from a buffer.</summary>
    public void Dispose() => Factory.Dispose();
}
