using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PgMove.Tests.Migrations;

/// <summary>
/// A relay migration survives servers that crash and come back while pgbench writes: it reconnects by itself,
/// catches up, and the cutover leaves identical data. Also the widest version jump, 14 → 18.
/// </summary>
public sealed class RelayResilienceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The source crashes and comes back under load, then the target does, in one migration: after each, PgMove has
    /// reconnected and caught up with identical data (checked per crash); then the cutover leaves identical data.
    /// Formerly two tests (Stream_SourceCrashRestartUnderLoad_…, Stream_TargetCrashRestartUnderLoad_…), each with
    /// its own pair of clusters, copy and cutover.
    /// </summary>
    [SkippableFact]
    public async Task Stream_SourceThenTargetCrashRestartUnderLoad_ReconnectsCatchesUpAndCutsOver()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(scenario.Source, "bank", scale: 1);
        await using var run = await RelayRun.StartSyncingAsync(scenario, Timeout);

        await RestartUnderLoadAsync(scenario, run, scenario.Source, "source crash");
        await RestartUnderLoadAsync(scenario, run, scenario.Target, "target crash");

        await run.CutoverAsync(Timeout);
        await AssertBankSameAsync(scenario);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_From14To18UnderPgbenchLoad_CutsOverCleanly()
    {
        await using var scenario = await RelayScenario.StartAsync(new ClusterOptions { Major = 14 }, new ClusterOptions { Major = 18 });
        await scenario.Source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(scenario.Source, "bank", scale: 1);

        using var load = new CancellationTokenSource();
        var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 60, clients: 2, load.Token);
        await using var run = await RelayRun.StartSyncingAsync(scenario, Timeout);
        await Task.Delay(3000); // changes stream while pgbench writes
        await load.CancelAsync();
        await pgbench;

        await run.WaitCaughtUpAsync(Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        await run.CutoverAsync(Timeout);
        await AssertBankSameAsync(scenario);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(18, scenario.Target.Major);
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = '_pgmove'", "bank"));
    }

    /// <summary>
    /// pgbench writes on the source; <paramref name="crashed"/> is stopped at once (as by a crash) and started again;
    /// pgbench writes again while PgMove reconnects. Lag 0 again and identical data; <paramref name="round"/> names the crash in failures.
    /// </summary>
    private async Task RestartUnderLoadAsync(RelayScenario scenario, RelayRun run, PgCluster crashed, string round)
    {
        using var watching = new CancellationTokenSource();
        var phases = scenario.WatchPhasesAsync("bank", watching.Token);
        var before = scenario.Latest().Databases.Single(d => d.Name == "bank").ChangesApplied;

        using (var load = new CancellationTokenSource())
        {
            var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 30, clients: 2, load.Token);
            await Task.Delay(2000);
            await crashed.RestartAsync(immediate: true);
            await Task.Delay(3000); // pgbench goes on writing (or was cut off by the source's crash)
            await load.CancelAsync();
            await pgbench;
        }
        // More writes once the server is back, while PgMove may still be reconnecting.
        await Pgbench.LoadAsync(scenario.Source, "bank", seconds: 3, clients: 2, CancellationToken.None);

        await run.WaitCaughtUpAsync(Timeout);
        await watching.CancelAsync();
        var seen = await phases;
        var latest = scenario.Latest();
        output.WriteLine($"{round}: phases seen for bank: {string.Join(" → ", seen)}; changes applied when the load started {before}, once caught up {latest.Databases.Single(d => d.Name == "bank").ChangesApplied}");
        Assert.False(run.Task.IsCompleted, $"{round}: the runner must still be running after the restart.");
        Assert.True(latest.Databases.Single(d => d.Name == "bank").ChangesApplied > before, $"{round}: nothing was applied after the restart.");
        try
        {
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        }
        catch (Exception error)
        {
            throw new Xunit.Sdk.XunitException($"{round}: {error.Message}");
        }
    }

    private static async Task AssertBankSameAsync(RelayScenario scenario)
    {
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        foreach (var sql in new[]
                 {
                     "SELECT sum(abalance) FROM pgbench_accounts",
                     "SELECT count(*) FROM pgbench_history",
                     "SELECT last_value FROM pgbench_history_hid_seq",
                 })
            Assert.Equal(await scenario.Source.ScalarAsync<long>(sql, "bank"), await scenario.Target.ScalarAsync<long>(sql, "bank"));
    }
}
