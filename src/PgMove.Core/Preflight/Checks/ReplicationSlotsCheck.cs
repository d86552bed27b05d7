using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

/// <summary>One logical slot per migrated database.</summary>
internal sealed class ReplicationSlotsCheck : SourceCapacityCheck
{
    public override string Id => "source.replication_slots";

    protected override string What => "replication slots";

    protected override string Setting => "max_replication_slots";

    protected override string ExtraFix => "; or drop unused slots (pg_drop_replication_slot)";

    protected override (int Max, int InUse) Read(ServerFacts source) => (source.MaxReplicationSlots, source.SlotsInUse);
}
