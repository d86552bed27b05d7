using System.CommandLine;
using PgMove.Core.Connections;
using PgMove.Server;
using PgMove.Server.Configuration;

namespace PgMove.Cli.Commands;

/// <summary><c>pgmove serve --config FILE</c>: the migration service (DigitalOcean-compatible API, web panel, metrics).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "The service's configuration file (JSON: listen, tokens, store, clusters); PGMOVE_SERVE_* environment variables override it.",
            Required = true,
        };
        var command = new Command("serve", "Run the migration service: an HTTP API compatible with DigitalOcean's online migration, a web panel, /healthz and /metrics.") { config };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ServiceConfigLoader.Load(parse.GetValue(config)!, ProcessEnvironment.Instance);
            await ServiceHost.RunAsync(settings, ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
