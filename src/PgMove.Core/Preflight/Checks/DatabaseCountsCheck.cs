using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

/// <summary>A warning for objects logical replication does not carry, saying what PgMove does about them.</summary>
internal abstract class DatabaseCountsCheck : CheckBase
{
    protected abstract string What { get; }

    protected abstract string Handling { get; }

    protected abstract string Fix { get; }

    protected abstract long Count(DatabaseFacts counts);

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var found = context.SourceDatabaseFacts
            .Where(f => Count(f.Counts) > 0)
            .Select(f => $"{f.Database.Name} ({Count(f.Counts)})")
            .ToList();
        return Task.FromResult(found.Count == 0
            ? Pass($"No {What}.")
            : Warn($"{What} found in: {List(found)}. {Handling}", Fix));
    }
}
