using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Each slot is read by one WAL sender while the migration streams.</summary>
internal sealed class WalSendersCheck : SourceCapacityCheck
{
    public override string Id => "source.wal_senders";

    protected override string What => "WAL senders";

    protected override string Setting => "max_wal_senders";

    protected override (int Max, int InUse) Read(ServerFacts source) => (source.MaxWalSenders, source.WalSendersInUse);
}
