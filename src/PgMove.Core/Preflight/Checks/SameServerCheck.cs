namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// Source and target on one server, whatever host name, address or database reached each: a migration there
/// would copy databases onto themselves (and a cutover would freeze the target with the source).
/// </summary>
internal sealed class SameServerCheck : CheckBase
{
    public override string Id => "target.same_server";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var source = context.SourceFingerprint!;
        var target = context.TargetFingerprint!;
        if (!source.IsSameServerAs(target))
            return Task.FromResult(Pass("Source and target are different PostgreSQL servers."));
        var identifier = source.SystemIdentifier ?? target.SystemIdentifier ?? "not readable by these roles";
        var directory = source.DataDirectory ?? target.DataDirectory ?? "not readable by these roles";
        return Task.FromResult(Fail(
            $"source and target are the same PostgreSQL server (system identifier {identifier}, data directory {directory}): " +
            $"{context.Options.Source} and {context.Options.Target} reach one server.",
            "Point --target at the new server."));
    }
}
