namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// PgMove creates roles, databases and tables on the target: a standby or a read-only default there fails the
/// first of them. The databases checked are the connection's and those to migrate that already exist.
/// </summary>
internal sealed class TargetReadOnlyCheck : CheckBase
{
    public override string Id => "target.read_only";

    public override CheckNeeds Needs => CheckNeeds.Target;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var state = context.TargetReadOnly!;
        var existing = context.TargetDatabases.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var databases = context.DatabasesToMigrate.Select(d => d.Name).Where(existing.Contains).Prepend(state.Database);
        var causes = ReadOnlyCauses.Find(state, "target", databases);
        if (causes.Count == 0)
            return Task.FromResult(Pass("The target accepts writes (not a standby, no read-only default)."));
        return Task.FromResult(Fail(
            $"The target refuses writes: {string.Join("; ", causes.Select(c => c.What))}. PgMove creates roles, databases and tables there.",
            string.Join(" ", causes.Select(c => c.Fix).Distinct(StringComparer.Ordinal))));
    }
}
