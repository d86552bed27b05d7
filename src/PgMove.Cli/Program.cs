using PgMove.Cli.Commands;

namespace PgMove.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => PgMoveCommandLine.InvokeAsync(args, Console.Out, Console.Error);
}
