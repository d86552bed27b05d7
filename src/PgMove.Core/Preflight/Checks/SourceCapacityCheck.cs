using PgMove.Core.Catalog;
using PgMove.Core.Text;

namespace PgMove.Core.Preflight.Checks;

/// <summary>A source setting that must leave one free unit (slot, WAL sender) per database to migrate.</summary>
internal abstract class SourceCapacityCheck : CheckBase
{
    protected override bool ContinuousOnly => true;

    /// <summary>e.g. "replication slots".</summary>
    protected abstract string What { get; }

    /// <summary>e.g. "max_replication_slots".</summary>
    protected abstract string Setting { get; }

    protected abstract (int Max, int InUse) Read(ServerFacts source);

    protected virtual string ExtraFix => "";

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var (max, inUse) = Read(context.Source!);
        var needed = context.DatabasesToMigrate.Count;
        var free = max - inUse;
        return Task.FromResult(free >= needed
            ? Pass($"{free} free {What} ({Setting} = {max}, {inUse} in use) for {Plural.Of(needed, "database")}.")
            : Fail($"Only {free} {What} are free on the source ({Setting} = {max}, {inUse} in use); {needed} are needed, one per database to migrate.",
                $"ALTER SYSTEM SET {Setting} = {inUse + needed + 2}; then restart the source{ExtraFix}, or exclude databases with --ignore-db."));
    }
}
