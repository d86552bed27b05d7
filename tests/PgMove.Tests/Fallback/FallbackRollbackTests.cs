using Npgsql;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;
using PgMove.Tests.Cutover;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Fallback;

/// <summary>
/// A fallback that must roll back while the old server is down (15 → 17, PgBouncer): its undo on the old server cannot
/// run, and it used to stop there, leaving PgBouncer paused and the new server (the production one) read-only, with no
/// command able to finish it. Now each part of the undo is tried, the new server is made writable and PgBouncer resumed
/// on it whatever the old server does, the failure is reported; once the old server is back, pgmove start resumes the
/// stream back (in error), finishes the rollback, and the fallback asked goes through.
/// </summary>
public sealed class FallbackRollbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Fallback_RolledBackWithTheOldServerDown_ApplicationsResumedOnTheWritableNewServerThenStartFinishesAndFallsBack()
    {
        await using var setup = await SwitchCutoverTests.Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        await using var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout)).Id;
        var (exit, output) = await setup.CutoverAsync("--fallback");
        Assert.True(exit == 0, output);
        var reverse = await FallbackTests.WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));

        // The old server cannot apply (a lock held on it): the fallback waits with the applications paused.
        var holder = await scenario.Source.OpenAsync("app");
        await using (var hold = new NpgsqlCommand("SET default_transaction_read_only = off; BEGIN; LOCK TABLE pgbench_history IN ACCESS EXCLUSIVE MODE", holder))
            await hold.ExecuteNonQueryAsync();
        await setup.Bouncer.ScalarAsync<long>("app", "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 7, now()) RETURNING 1::bigint");
        var fallback = PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "fallback", "--state", scenario.StatePath, "--pgbouncer", setup.AdminConninfo, "--catch-up-timeout", "600");
        await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(reverse.Id), r => r.SwitchStep == nameof(SwitchStep.Freezing));

        // The old server goes down, then the fallback is interrupted (Ctrl-C): it rolls back without the old server.
        await holder.DisposeAsync();
        await scenario.Source.StopAsync(immediate: true);
        await start.InterruptAsync();
        var (fallbackExit, fallbackOutput) = await fallback;
        Assert.True(fallbackExit != 0, fallbackOutput);

        var admin = await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None);
        var entry = Assert.Single(await admin.DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.False(entry.Paused);
        Assert.Equal(scenario.Target.Port, entry.Port);
        // The applications write to the new server again.
        Assert.Equal(1L, await setup.Bouncer.ScalarAsync<long>("app", "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 2, 11, now()) RETURNING 1::bigint"));
        var interrupted = FallbackTests.Record(scenario, reverse.Id);
        Assert.Equal(nameof(SwitchStep.RollingBack), interrupted.SwitchStep);

        // The old server is back: pgmove start resumes the stream back, finishes the rollback, and the fallback asked goes on.
        await scenario.Source.StartAgainAsync();
        await using var resumed = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(forwardId), r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        Assert.Equal(scenario.Source.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        Assert.Equal(18L, await scenario.Source.ScalarAsync<long>("SELECT coalesce(sum(delta), 0) FROM pgbench_history WHERE aid IN (1, 2) AND delta IN (7, 11)", "app"));
        Assert.Equal(MigrationStatus.Done, FallbackTests.Record(scenario, reverse.Id).Status);

        var (stopExit, stopOutput) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "stop", "--state", scenario.StatePath);
        Assert.True(stopExit == 0, stopOutput);
        await resumed.WaitForExitAsync(new CancellationTokenSource(Timeout).Token);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
    }
}
