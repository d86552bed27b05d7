using System.CommandLine;
using PgMove.Cli.Output;
using PgMove.Core.Preflight;

namespace PgMove.Cli.Commands;

/// <summary><c>pgmove check</c>: every preflight check, nothing created anywhere.</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var source = CommonOptions.Source();
        var target = CommonOptions.Target();
        var ignore = CommonOptions.IgnoreDb();
        var method = CommonOptions.Method();
        var pgBin = CommonOptions.PgBin();
        var json = CommonOptions.Json();
        var reuse = new Option<bool>("--reuse-target-databases") { Description = "Accept target databases that already hold tables." };

        var command = new Command("check", "Run every preflight check against the source and the target; creates nothing.")
        {
            source, target, ignore, method, pgBin, reuse, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new PreflightOptions
            {
                Source = CommonOptions.Resolve(parse.GetValue(source), "--source", "PGMOVE_SOURCE", error),
                Target = CommonOptions.Resolve(parse.GetValue(target), "--target", "PGMOVE_TARGET", error),
                Method = CommonOptions.ParseMethod(parse.GetValue(method)!),
                IgnoreDatabases = parse.GetValue(ignore) ?? [],
                PgBinDirectory = parse.GetValue(pgBin),
                ReuseTargetDatabases = parse.GetValue(reuse),
                OffersReuse = true,
            };
            var report = await PreflightRunner.RunAsync(options, ct);
            if (parse.GetValue(json))
                PreflightJson.Write(report, output);
            else
                PreflightTable.Write(report, output);
            return report.HasFailures ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
