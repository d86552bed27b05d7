using System.CommandLine;
using PgMove.Cli.Output;
using PgMove.Core.Verify;

namespace PgMove.Cli.Commands;

/// <summary><c>pgmove verify</c>: row counts and checksums of every table, source against target. Exits 1 when anything differs.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var source = CommonOptions.Source();
        var target = CommonOptions.Target();
        var ignore = CommonOptions.IgnoreDb();
        var json = CommonOptions.Json();
        var jobs = new Option<int>("--jobs", "-j")
        {
            Description = "Tables compared at once; each uses one connection to each server.",
            DefaultValueFactory = _ => 2,
        };

        var command = new Command("verify", "Compare every table of every migrated database, source against target: row counts and content checksums. Only reads.")
        {
            source, target, ignore, jobs, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new VerifyOptions
            {
                Source = CommonOptions.Resolve(parse.GetValue(source), "--source", "PGMOVE_SOURCE", error),
                Target = CommonOptions.Resolve(parse.GetValue(target), "--target", "PGMOVE_TARGET", error),
                IgnoreDatabases = parse.GetValue(ignore) ?? [],
                Jobs = parse.GetValue(jobs),
                // PgMove's own bookkeeping (the applied positions of a running migration) is not the applications' data.
                IgnoreSchemas = [Core.Replication.ReplicationNames.BookkeepingSchema],
            };
            var started = TimeProvider.System.GetTimestamp();
            var report = await VerifyRunner.RunAsync(options, ct);
            if (parse.GetValue(json))
                VerifyJson.Write(report, output);
            else
                VerifyTable.Write(report, TimeProvider.System.GetElapsedTime(started), output);
            return report.HasDifferences ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
