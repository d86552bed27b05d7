namespace PgMove.Core.Preflight.Checks;

/// <summary>One logical slot per migrated database.</summary>
internal sealed class ReplicationSlotsCheck : CheckBase
{
    public override string Id => "source.replication_slots";

    protected override bool ContinuousOnly => true;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var source = context.Source!;
        var needed = context.DatabasesToMigrate.Count;
        var free = source.MaxReplicationSlots - source.SlotsInUse;
        return Task.FromResult(free >= needed
            ? Pass($"{free} free replication slots (max_replication_slots = {source.MaxReplicationSlots}, {source.SlotsInUse} in use) for {needed} databases.")
            : Fail($"Only {free} replication slots are free on the source (max_replication_slots = {source.MaxReplicationSlots}, {source.SlotsInUse} in use); {needed} are needed, one per database to migrate.",
                $"ALTER SYSTEM SET max_replication_slots = {source.SlotsInUse + needed + 2}; then restart the source; or drop unused slots (pg_drop_replication_slot), or exclude databases with --ignore-db."));
    }
}
