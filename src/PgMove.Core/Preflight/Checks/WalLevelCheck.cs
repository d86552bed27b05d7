namespace PgMove.Core.Preflight.Checks;

internal sealed class WalLevelCheck : CheckBase
{
    public override string Id => "source.wal_level";

    protected override bool ContinuousOnly => true;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var level = context.Source!.WalLevel;
        return Task.FromResult(level == "logical"
            ? Pass("wal_level is logical.")
            : Fail($"wal_level is '{level}' on the source; logical replication needs 'logical'.",
                "Run ALTER SYSTEM SET wal_level = logical; on the source, then restart it (a reload is not enough); where the source cannot be changed, make a one-time copy with pgmove copy (no continuous replication)."));
    }
}
