using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using Xunit.Abstractions;

namespace PgMove.Tests.Faults;

/// <summary>
/// The network between PgMove and the servers fails in the middle of the copy and of the stream (a proxy drops,
/// stalls, half-closes and refuses connections): PgMove says "reconnecting" and why in its status, retries with
/// backoff, and the cutover leaves identical data and a clean source.
/// </summary>
public sealed class ProxyFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);

    [SkippableFact]
    public async Task Run_NetworkFaultsMidCopyAndMidStream_ReportsReconnectingRetriesAndEndsClean()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(scenario.Source, "bank", scale: 2);
        var refuseSource = false;
        await using var sourceProxy = new TcpProxy(scenario.Source.Port, _ => Volatile.Read(ref refuseSource));
        await using var targetProxy = new TcpProxy(scenario.Target.Port);
        var options = scenario.Options(o => o with
        {
            Source = o.Source with { Port = sourceProxy.Port },
            Target = o.Target with { Port = targetProxy.Port },
        });
        using var watching = new CancellationTokenSource();
        var seen = scenario.WatchPhasesAsync("bank", watching.Token);

        // Mid-COPY, caught there by the proxy rather than by timing (a fast copy ends between two looks at the status):
        // once 4 MiB of the source's 13 MiB of rows have passed, the proxy holds every byte back.
        var (held, release) = sourceProxy.HoldAfter(4L * 1024 * 1024);
        var (_, run) = await scenario.RunAsync(options, CancellationToken.None);
        try
        {
            // Every connection to the source reset, and the source unreachable for 3 s.
            await held.WaitAsync(Timeout);
            Assert.DoesNotContain(scenario.Latest().Databases, d => d.Name == "bank" && d.CopyDone);
            Volatile.Write(ref refuseSource, true);
            var dropped = sourceProxy.DropAll();
            release();
            await Task.Delay(3000);
            Volatile.Write(ref refuseSource, false);
            output.WriteLine($"mid-copy: {dropped} source connections reset");

            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
            using var load = new CancellationTokenSource();
            var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 60, clients: 2, load.Token);
            await Task.Delay(1000);

            // Mid-stream: a stall on each side, a half-close on each side, a reset with the source unreachable.
            await sourceProxy.StallAsync(TimeSpan.FromSeconds(3));
            await targetProxy.StallAsync(TimeSpan.FromSeconds(3));
            output.WriteLine($"half-closed: {sourceProxy.HalfCloseAll()} source, {targetProxy.HalfCloseAll()} target connections");
            await Task.Delay(1500);
            Volatile.Write(ref refuseSource, true);
            sourceProxy.DropAll();
            targetProxy.DropAll();
            await Task.Delay(3000);
            Volatile.Write(ref refuseSource, false);
            await Task.Delay(2000);
            await load.CancelAsync();
            await pgbench;

            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming && d.LagBytes == 0), Timeout, run);
            scenario.Request("cutover");
            var done = await run.WaitAsync(Timeout);
            Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        }
        finally
        {
            await watching.CancelAsync();
            await scenario.StopLeftoverMigrationAsync(); // while the proxies it goes through are still there
        }

        var phases = await seen;
        output.WriteLine(string.Join("\n", phases));
        Assert.Contains(phases, p => p.StartsWith("Reconnecting", StringComparison.Ordinal) && p.Contains("retrying in", StringComparison.Ordinal));
        Assert.True(sourceProxy.Refused > 0, "the source was refused for a while");
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
