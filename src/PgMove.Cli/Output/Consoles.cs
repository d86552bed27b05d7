using Spectre.Console;

namespace PgMove.Cli.Output;

/// <summary>A Spectre console over any TextWriter; wide when not a terminal so that logs keep lines whole.</summary>
internal static class Consoles
{
    public static IAnsiConsole For(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (writer != Console.Out || Console.IsOutputRedirected)
            console.Profile.Width = 200;
        return console;
    }

    /// <summary>A console of a fixed width, without colours: what a terminal of that width would show.</summary>
    public static IAnsiConsole For(TextWriter writer, int width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = width;
        return console;
    }
}
