using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// kill -9 of a pgmove process during the copy and at random instants of the streaming (seeded), each time
/// followed by pgmove start: after the cutover no row is missing and none is duplicated.
/// </summary>
public sealed class RelayCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Start_KilledDuringCopyAndStreaming_ResumesWithoutLossOrDuplicates()
    {
        var random = new Random(20261123);
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(scenario.Source, "bank", scale: 3);
        // pgmove reaches the source through a proxy, which holds the copy in its middle for the kill below.
        await using var sourceProxy = new TcpProxy(scenario.Source.Port);
        var environment = PgMoveProcess.Environment(sourceProxy.Port, scenario.Target.Port);
        string[] start = ["start", "--state", scenario.StatePath, "--jobs", "2"];

        using var load = new CancellationTokenSource();
        var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 180, clients: 2, load.Token);

        // 1. Killed in the middle of the copy: once 4 MiB of its ~20 MiB of rows have passed (caught there by the proxy, not
        // by timing: a fast copy ends between two looks at the status).
        var (held, release) = sourceProxy.HoldAfter(4L * 1024 * 1024);
        await using (var first = PgMoveProcess.Start(environment, start))
        {
            await held.WaitAsync(Timeout);
            await first.KillAsync();
            release();
        }
        Assert.DoesNotContain(scenario.Latest().Databases, d => d.Name == "bank" && d.CopyDone);

        // 2. Resumed, then killed twice while streaming, at seeded random instants.
        for (var i = 0; i < 2; i++)
        {
            await using var next = PgMoveProcess.Start(environment, start);
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == next.Id, Timeout);
            await Task.Delay(random.Next(300, 2500));
            await next.KillAsync();
        }

        // 3. Resumed once more; the load stops; cut over from another process.
        await using var last = PgMoveProcess.Start(environment, start);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == last.Id, Timeout);
        await load.CancelAsync();
        await pgbench;
        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(code == 0, output + "\n" + last.Output);
        using (var wait = new CancellationTokenSource(Timeout))
            await last.WaitForExitAsync(wait.Token);

        Assert.True(scenario.Latest().Status == MigrationStatus.Done, RelayScenario.Describe(scenario.Latest()) + "\nTarget log:\n" + scenario.Target.ReadLog());
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "bank"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_CtrlC_DetachesAndStopFromAnotherProcessCleansUp()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 500)", "shop");
        var environment = scenario.CliEnvironment();
        await using (var running = PgMoveProcess.Start(environment, "start", "--state", scenario.StatePath))
        {
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout);
            await running.InterruptAsync();
            Assert.Equal(0, running.ExitCode);
            Assert.Contains("Detached", running.Output, StringComparison.Ordinal);
        }
        // The store no longer names a runner: nobody is running it now.
        Assert.Null(scenario.Latest().RunnerPid);
        // Detached: the slots (one per database: postgres and shop) stay so that start can resume...
        Assert.Equal(2, (await scenario.Source.ColumnAsync("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'")).Count);

        // ...and stop, with no pgmove running, does the work itself.
        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "stop", "--state", scenario.StatePath);
        Assert.True(code == 0, output);
        Assert.Equal(MigrationStatus.Canceled, scenario.Latest().Status);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(500, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
    }

    [SkippableFact]
    public async Task Cutover_NoProcessRunning_ResumesAndCutsOverItself()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 500)", "shop");
        var environment = scenario.CliEnvironment();
        await using (var running = PgMoveProcess.Start(environment, "start", "--state", scenario.StatePath))
        {
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout);
            await running.InterruptAsync();
        }
        // Written while nobody streams: the cutover must fetch it before it finishes.
        await scenario.Source.ExecuteAsync("INSERT INTO items SELECT generate_series(501, 600)", "shop");

        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(code == 0, output);
        Assert.Equal(MigrationStatus.Done, scenario.Latest().Status);
        Assert.Equal(600, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
