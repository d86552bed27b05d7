using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>Checks of server settings and roles, each on a cluster set up to fail it.</summary>
public sealed class ServerSettingsChecksTests
{
    [SkippableFact]
    public async Task WalLevel_Replica_FailsWithAlterSystemFix()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { WalLevel = "replica" });
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.wal_level", CheckStatus.Fail, "'replica'", "ALTER SYSTEM SET wal_level = logical", "restart");
        Assert.True(report.HasFailures);
    }

    [SkippableFact]
    public async Task WalLevel_DumpMethod_IsNotNeeded()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { WalLevel = "replica" });
        var report = await scenario.RunAsync(MigrationMethod.Dump);
        ReportAssert.Has(report, "source.wal_level", CheckStatus.Skip);
    }

    [SkippableFact]
    public async Task ReplicationSlots_OneSlotThreeDatabases_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { MaxReplicationSlots = 1 });
        await scenario.Source.ExecuteAsync("CREATE DATABASE app1");
        await scenario.Source.ExecuteAsync("CREATE DATABASE app2");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.replication_slots", CheckStatus.Fail, "Only 1 replication slots are free", "3 are needed", "max_replication_slots");
    }

    [SkippableFact]
    public async Task WalSenders_TooFew_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { MaxWalSenders = 1 });
        await scenario.Source.ExecuteAsync("CREATE DATABASE app1");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.wal_senders", CheckStatus.Fail, "max_wal_senders = 1", "2 are needed");
    }

    [SkippableFact]
    public async Task SourcePrivileges_NonSuperuser_FailsForRelayWarnsForDump()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE ROLE app LOGIN PASSWORD 'app-pw'");
        var spec = scenario.Source.Spec(user: "app", password: "app-pw");

        var relay = await scenario.RunAsync(sourceSpec: spec);
        ReportAssert.Has(relay, "source.privileges", CheckStatus.Fail, "'app' is not a superuser", "pgmove copy");

        var dump = await scenario.RunAsync(MigrationMethod.Dump, sourceSpec: spec);
        ReportAssert.Has(dump, "source.privileges", CheckStatus.Warn, "pg_read_all_data");

        await scenario.Source.ExecuteAsync("GRANT pg_read_all_data TO app");
        var granted = await scenario.RunAsync(MigrationMethod.Dump, sourceSpec: spec);
        ReportAssert.Has(granted, "source.privileges", CheckStatus.Pass, "pg_read_all_data");
    }

    [SkippableFact]
    public async Task TargetPrivileges_NoCreateDbNorCreateRole_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Target.ExecuteAsync("CREATE ROLE loader LOGIN");
        var report = await scenario.RunAsync(targetSpec: scenario.Target.Spec(user: "loader"));
        ReportAssert.Has(report, "target.privileges", CheckStatus.Fail, "CREATEDB and CREATEROLE", "ALTER ROLE \"loader\"");

        await scenario.Target.ExecuteAsync("ALTER ROLE loader CREATEDB CREATEROLE");
        var fixedReport = await scenario.RunAsync(targetSpec: scenario.Target.Spec(user: "loader"));
        ReportAssert.Has(fixedReport, "target.privileges", CheckStatus.Pass);
    }

    [SkippableFact]
    public async Task LogicalWorkers_TooFewOnTarget_FailsForSubscription()
    {
        await using var scenario = await PreflightScenario.StartAsync(
            target: new ClusterOptions { Settings = new Dictionary<string, string> { ["max_logical_replication_workers"] = "1" } });
        var report = await scenario.RunAsync(MigrationMethod.Subscription);
        ReportAssert.Has(report, "target.logical_workers", CheckStatus.Fail, "max_logical_replication_workers is 1");
        var relay = await scenario.RunAsync();
        ReportAssert.Has(relay, "target.logical_workers", CheckStatus.Skip);
    }

    [SkippableFact]
    public async Task ReachSource_FirewallBlocksTheTarget_FailsAndLeavesNoSubscription()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        // PgMove reaches the source through the proxy; the target's subscription connection is dropped there.
        await using var firewall = new TcpProxy(scenario.Source.Port, TcpProxy.IsReplicationStartup);
        var report = await scenario.RunAsync(MigrationMethod.Subscription, sourceSpec: scenario.Source.Spec() with { Port = firewall.Port });
        ReportAssert.Has(report, "target.reaches_source", CheckStatus.Fail, "cannot connect to the source", "firewall", "--method relay");
        ReportAssert.Has(report, "source.listen_addresses", CheckStatus.Pass, "same host");
        Assert.True(firewall.Refused > 0);
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_subscription"));
    }

    [SkippableFact]
    public async Task ReachSource_Reachable_Passes()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync(MigrationMethod.Subscription);
        ReportAssert.Has(report, "target.reaches_source", CheckStatus.Pass, "connected to the source");
    }

    [SkippableFact]
    public async Task OpenTransactions_PreparedTransaction_Warns()
    {
        await using var scenario = await PreflightScenario.StartAsync(
            source: new ClusterOptions { Settings = new Dictionary<string, string> { ["max_prepared_transactions"] = "5" } });
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY)");
        await scenario.Source.ExecuteAsync("BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'pending_tx';");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.open_transactions", CheckStatus.Warn, "'pending_tx'", "ROLLBACK PREPARED");
        await scenario.Source.ExecuteAsync("ROLLBACK PREPARED 'pending_tx'");
    }

    [SkippableFact]
    public async Task PgDump_OlderThanSource_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var bin = Path.Combine(TestRun.Directory, "old-bin-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            var path = Path.Combine(bin, tool);
            await File.WriteAllTextAsync(path, $"#!/bin/sh\necho '{tool} (PostgreSQL) 12.22'\n");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        var report = await scenario.RunAsync(configure: o => o with { PgBinDirectory = bin });
        ReportAssert.Has(report, "tools.pg_dump", CheckStatus.Fail, "12.22", "older than the source (PostgreSQL 15)", "--pg-bin");

        var found = await scenario.RunAsync();
        ReportAssert.Has(found, "tools.pg_dump", CheckStatus.Pass, "can dump PostgreSQL 15");
    }
}
