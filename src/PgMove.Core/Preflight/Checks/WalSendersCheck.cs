namespace PgMove.Core.Preflight.Checks;

/// <summary>Each slot is read by one WAL sender while the migration streams.</summary>
internal sealed class WalSendersCheck : CheckBase
{
    public override string Id => "source.wal_senders";

    protected override bool ContinuousOnly => true;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var source = context.Source!;
        var needed = context.DatabasesToMigrate.Count;
        var free = source.MaxWalSenders - source.WalSendersInUse;
        return Task.FromResult(free >= needed
            ? Pass($"{free} free WAL senders (max_wal_senders = {source.MaxWalSenders}, {source.WalSendersInUse} in use) for {needed} databases.")
            : Fail($"Only {free} WAL senders are free on the source (max_wal_senders = {source.MaxWalSenders}, {source.WalSendersInUse} in use); {needed} are needed, one per database to migrate.",
                $"ALTER SYSTEM SET max_wal_senders = {source.WalSendersInUse + needed + 2}; then restart the source, or exclude databases with --ignore-db."));
    }
}
