using Microsoft.Extensions.Time.Testing;
using Npgsql;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;
using PgMove.Tests.Cutover;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Fallback;

/// <summary>
/// <c>pgmove fallback</c> and <c>pgmove cutover --fallback</c> with no process running the migration, on real servers
/// (15 → 17) and a real PgBouncer: a switch that cannot pause ends the command with its cause (it streamed on for ever);
/// the limits given when the migration was created hold in those later runs (they ran with the defaults); and after the
/// fallback the migration's fourteen days count from the fallback, not from its creation. Records are aged by a fake
/// clock set days behind the real one, which the child processes use.
/// </summary>
public sealed class FallbackRefusedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Fallback_NoRunnerAliveAndThePauseTimesOut_EndsWithTheCauseThenFallsBackTenDaysOnWithTheStartLimitsAndTheMigrationHasFourteenDaysAgain()
    {
        await using var setup = await SwitchCutoverTests.Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        // As pgmove start --fallback-days 14, twelve days ago.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-12));
        using var detach = new CancellationTokenSource();
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { Clock = clock, IgnoreDatabases = ["postgres"], FallbackMaxDuration = TimeSpan.FromDays(14) }), detach.Token);
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run)).Id;

        // Cut over with fallback two days later (the stream back is ten days old by the real clock), then that process exits.
        clock.Advance(TimeSpan.FromDays(2));
        var (exit, output) = await setup.CutoverAsync("--fallback");
        Assert.True(exit == 0, output);
        var reverse = await FallbackTests.WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        Assert.Equal(TimeSpan.FromDays(14), reverse.Limits.FallbackMaxDuration);
        await detach.CancelAsync();
        await EndAsync(run);

        // pgmove fallback runs the stream back itself (past the default seven days, within the fourteen given): a
        // transaction held through PgBouncer times the pause out, and the command ends with that cause.
        await using (var holder = await HoldAsync(setup))
        {
            (exit, output) = await FallbackAsync(setup, "--pause-timeout", "2");

            Assert.True(exit == 1, output);
            Assert.Contains("error [fallback.refused]: cutover refused:", output, StringComparison.Ordinal);
            Assert.Contains("could not pause", output, StringComparison.Ordinal);
            Assert.Contains("long-report", output, StringComparison.Ordinal);
            var refused = FallbackTests.Record(scenario, reverse.Id);
            Assert.Equal(MigrationStatus.Syncing, refused.Status);
            Assert.Null(refused.Request);
            Assert.Null(refused.RunnerPid);
            await AssertNotPausedAsync(setup);
            // The applications stay on the 17, writable.
            Assert.Equal(scenario.Target.Port, await WriteAsync(holder, 7));
        }

        (exit, output) = await FallbackAsync(setup);

        Assert.True(exit == 0, output);
        Assert.Contains("Fell back", output, StringComparison.Ordinal);
        Assert.Equal(scenario.Source.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        Assert.Equal(7, await scenario.Source.ScalarAsync<int>("SELECT abalance FROM pgbench_accounts WHERE aid = 1", "app"));
        Assert.Equal(MigrationStatus.Syncing, FallbackTests.Record(scenario, forwardId).Status);

        // pgmove cutover --fallback with no runner alive: the same refusal ends it, the migration syncing as it was.
        await using (var holder = await HoldAsync(setup))
        {
            (exit, output) = await setup.CutoverAsync("--fallback", "--pause-timeout", "2");

            Assert.True(exit == 1, output);
            Assert.Contains("could not pause", output, StringComparison.Ordinal);
            var refused = FallbackTests.Record(scenario, forwardId);
            Assert.Equal(MigrationStatus.Syncing, refused.Status);
            Assert.Null(refused.Request);
            // The stream back it made before the pause (dropped with the rollback) had the migration's limits, not this run's defaults.
            using (var store = MigrationStore.Open(scenario.StatePath))
            {
                var dropped = FallbackPair.ReverseOf(store, refused);
                Assert.True(dropped is { Status: MigrationStatus.Canceled } && dropped.Id != reverse.Id, Migrations.RelayScenario.Describe(dropped));
                Assert.Equal(TimeSpan.FromDays(14), dropped.Limits.FallbackMaxDuration);
            }
            await AssertNotPausedAsync(setup);
            Assert.Equal(scenario.Source.Port, await WriteAsync(holder, 1));
        }

        // Thirteen days after the fallback (twenty-five after its creation) the migration still syncs; at fourteen it stops.
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(13));
        (_, run) = await scenario.RunAsync(scenario.Options(o => o with { Clock = later }), CancellationToken.None);
        var resumedAt = DateTimeOffset.UtcNow.AddSeconds(2.2);
        var resumed = await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(forwardId),
            r => !r.IsActive || r.RunnerHeartbeat > resumedAt && r.Databases.All(d => d.Phase == DatabasePhase.Streaming && d.LagBytes == 0));
        Assert.True(resumed.Status == MigrationStatus.Syncing, Migrations.RelayScenario.Describe(resumed));
        Assert.False(run.IsCompleted);
        Assert.Equal(8, await scenario.Target.ScalarAsync<int>("SELECT abalance FROM pgbench_accounts WHERE aid = 1", "app"));

        later.Advance(TimeSpan.FromDays(1.1));
        var stopped = await run.WaitAsync(Timeout);

        Assert.Equal(MigrationStatus.Canceled, stopped.Status);
        Assert.Contains("after 14 days", stopped.Result, StringComparison.Ordinal);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
    }

    private static Task<(int ExitCode, string Output)> FallbackAsync(SwitchCutoverTests.Setup setup, params string[] extra) =>
        PgMoveProcess.RunAsync(setup.Scenario.CliEnvironment(), Timeout, ["fallback", "--state", setup.Scenario.StatePath, "--pgbouncer", setup.AdminConninfo, .. extra]);

    /// <summary>A report's transaction held open through PgBouncer: PAUSE waits for it.</summary>
    private static async Task<NpgsqlConnection> HoldAsync(SwitchCutoverTests.Setup setup)
    {
        var holder = new NpgsqlConnection(setup.Bouncer.ConnectionString("app", "long-report"));
        await holder.OpenAsync();
        await using var begin = new NpgsqlCommand("BEGIN; SELECT count(*) FROM pgbench_accounts", holder);
        await begin.ExecuteNonQueryAsync();
        return holder;
    }

    /// <summary>The held transaction writes and commits; returns the port of the server it wrote to.</summary>
    private static async Task<int> WriteAsync(NpgsqlConnection holder, int delta)
    {
        await using (var write = new NpgsqlCommand($"UPDATE pgbench_accounts SET abalance = abalance + {delta} WHERE aid = 1; COMMIT", holder))
            await write.ExecuteNonQueryAsync();
        await using var port = new NpgsqlCommand("SELECT inet_server_port()", holder);
        return (int)(await port.ExecuteScalarAsync())!;
    }

    private static async Task AssertNotPausedAsync(SwitchCutoverTests.Setup setup)
    {
        var admin = await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None);
        Assert.DoesNotContain(await admin.DatabasesAsync(CancellationToken.None), d => d.Paused);
    }

    private static async Task EndAsync(Task<MigrationRecord> run)
    {
        try
        {
            await run.WaitAsync(Timeout);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
