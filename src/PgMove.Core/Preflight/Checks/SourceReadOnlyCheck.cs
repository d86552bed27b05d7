namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// A continuous migration writes to the source (replication slot, publication, DDL trigger): a standby or a
/// read-only default there would fail it halfway. The dump method only reads, so a read-only server suits it.
/// </summary>
internal sealed class SourceReadOnlyCheck : CheckBase
{
    public override string Id => "source.read_only";

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var state = context.SourceReadOnly!;
        var databases = context.DatabasesToMigrate.Select(d => d.Name).Append(state.Database);
        var causes = ReadOnlyCauses.Find(state, "source", databases);
        if (causes.Count == 0)
            return Task.FromResult(Pass("The source accepts writes (not a standby, no read-only default)."));
        var what = string.Join("; ", causes.Select(c => c.What));
        if (!context.IsContinuous)
        {
            // The dump method only reads the source; but a database's or role's settings travel with it to the
            // target, where a read-only default would refuse the restore.
            var carried = causes.Where(c => !c.ServerWide).ToList();
            if (carried.Count == 0)
                return Task.FromResult(Pass($"The source is read-only ({what}); the dump method only reads it."));
            return Task.FromResult(Fail(
                $"The source has read-only settings that the copy would carry to the target, which would then refuse the restore: {string.Join("; ", carried.Select(c => c.What))}.",
                string.Join(" ", carried.Select(c => c.Fix).Distinct(StringComparer.Ordinal))));
        }
        return Task.FromResult(Fail(
            $"The source refuses writes: {what}. The {context.Method.ToString().ToLowerInvariant()} method creates a replication slot and a publication in every database it migrates.",
            string.Join(" ", causes.Select(c => c.Fix).Distinct(StringComparer.Ordinal))));
    }
}
