namespace PgMove.Core.Preflight.Checks;

/// <summary>Logical replication and pg_dump only move data to the same or a newer major.</summary>
internal sealed class VersionCheck : CheckBase
{
    public override string Id => "version.compatible";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var source = context.Source!;
        var target = context.Target!;
        return Task.FromResult(source.Major <= target.Major
            ? Pass($"Source PostgreSQL {source.Major} to target PostgreSQL {target.Major}.")
            : Fail($"The source runs PostgreSQL {source.Major} ({source.Version}), newer than the target's {target.Major} ({target.Version}); a migration cannot go to an older major.",
                $"Use a target running PostgreSQL {source.Major} or newer."));
    }
}
