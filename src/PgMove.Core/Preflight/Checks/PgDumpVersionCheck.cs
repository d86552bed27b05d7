using PgMove.Core.Schema;

namespace PgMove.Core.Preflight.Checks;

/// <summary>pg_dump refuses a server newer than itself: PgMove needs one of the source's major or newer.</summary>
internal sealed class PgDumpVersionCheck : CheckBase
{
    public override string Id => "tools.pg_dump";

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var sourceMajor = context.Source!.Major;
        var toolsets = await PgToolLocator.FindAllAsync(context.Options.PgBinDirectory, ct);
        var where = context.Options.PgBinDirectory is { } bin ? $"in --pg-bin {bin}" : "on PATH or in /usr/lib/postgresql/*/bin";
        if (toolsets.Count == 0)
            return Fail($"No pg_dump and pg_restore were found {where}.",
                $"Install PostgreSQL {sourceMajor}'s client tools or newer (e.g. apt-get install postgresql-client-{sourceMajor}) and name their directory with --pg-bin.");
        var best = toolsets[0];
        if (best.Major < sourceMajor)
            return Fail($"The newest pg_dump found {where} is {best.Version} ({best.BinDirectory}), older than the source (PostgreSQL {sourceMajor}); pg_dump refuses newer servers.",
                $"Install PostgreSQL {sourceMajor}'s client tools or newer and name their directory with --pg-bin.");
        return Pass($"pg_dump {best.Version} in {best.BinDirectory} can dump PostgreSQL {sourceMajor}.");
    }
}
