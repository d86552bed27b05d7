using Microsoft.Extensions.Time.Testing;
using PgMove.Core.Cutover;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// A forgotten migration cannot fill the source's disk: it stops itself after 14 days, or when its slot holds too
/// much WAL. And a runner busy with a long step is still known to be alive.
/// </summary>
public sealed class RelayLimitsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task Run_FourteenDaysPass_StopsItselfAndDropsSlots()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { Clock = clock }), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);

        clock.Advance(TimeSpan.FromDays(13));
        await Task.Delay(2500);
        Assert.Equal(MigrationStatus.Syncing, scenario.Latest().Status);

        clock.Advance(TimeSpan.FromDays(1));
        var stopped = await run.WaitAsync(Timeout);
        Assert.Equal(MigrationStatus.Canceled, stopped.Status);
        Assert.Contains("14 days", stopped.Result, StringComparison.Ordinal);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(100, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM t"));
    }

    [SkippableFact]
    public async Task Cutover_VerificationLongerThanTheHeartbeatWindow_WaitingRequesterSeesItDone()
    {
        // A runner that saves nothing for 15 s is taken for a dead one: a verification of a big table takes that long.
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
        var (runner, run) = await scenario.RunAsync(scenario.Options(), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        runner.Verifier = async (source, target, databases, snapshots, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), ct);
            return await CutoverVerification.VerifyAsync(source, target, databases, snapshots, ct);
        };

        using (var store = MigrationStore.Open(scenario.StatePath))
        {
            var done = await MigrationControl.RequestCutoverAsync(store, null, freeze: false, CancellationToken.None);
            Assert.True(done is { Status: MigrationStatus.Done }, done is null ? "no runner" : RelayScenario.Describe(done));
        }
        Assert.Equal(MigrationStatus.Done, (await run.WaitAsync(Timeout)).Status);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Run_SlotRetainsTooMuchWal_StopsItselfNamingTheSlot()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, pad text)");
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { MaxRetainedWalBytes = 4L * 1024 * 1024 }), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        // A checkpoint cannot release WAL the slot still needs: write well over the limit while the slot lags.
        await scenario.Source.ExecuteAsync("INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g");
        var stopped = await run.WaitAsync(Timeout);
        Assert.Equal(MigrationStatus.Canceled, stopped.Status);
        Assert.Contains("retained", stopped.Result, StringComparison.Ordinal);
        Assert.Contains("pgmove_", stopped.Result, StringComparison.Ordinal);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
