using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>The subscription method runs one apply worker per database on the target, plus table-sync workers.</summary>
internal sealed class LogicalWorkersCheck : CheckBase
{
    public override string Id => "target.logical_workers";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Task.FromResult(Skip("Only the subscription method uses the target's logical replication workers."));
        var target = context.Target!;
        var needed = context.DatabasesToMigrate.Count + 1;
        if (target.MaxLogicalReplicationWorkers < needed)
            return Task.FromResult(Fail(
                $"max_logical_replication_workers is {target.MaxLogicalReplicationWorkers} on the target; {needed} are needed ({needed - 1} subscriptions and at least one table-sync worker).",
                $"ALTER SYSTEM SET max_logical_replication_workers = {needed + 2}; then restart the target."));
        if (target.MaxWorkerProcesses < target.MaxLogicalReplicationWorkers + 1)
            return Task.FromResult(Fail(
                $"max_worker_processes is {target.MaxWorkerProcesses} on the target, less than max_logical_replication_workers ({target.MaxLogicalReplicationWorkers}) plus the launcher.",
                $"ALTER SYSTEM SET max_worker_processes = {target.MaxLogicalReplicationWorkers + 4}; then restart the target."));
        return Task.FromResult(Pass($"max_logical_replication_workers = {target.MaxLogicalReplicationWorkers}, max_worker_processes = {target.MaxWorkerProcesses} for {needed - 1} subscriptions."));
    }
}
