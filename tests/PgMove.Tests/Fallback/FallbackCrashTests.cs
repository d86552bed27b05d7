using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Fallback;

/// <summary>
/// kill -9 of the process that runs a cutover with fallback while its switch holds the applications, after the reverse
/// stream (record, slot, publication, DDL capture) was made: the next run rolls the switch back, dropping all of it,
/// and cuts over again; one fallback stream remains and works (15 → 17). Until pgmove start runs it, the cutover and status
/// say that nothing runs it, and unfreeze refuses to make the old server writable while the way back is kept.
/// </summary>
public sealed class FallbackCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task CutoverWithFallback_PgmoveKilledAfterTheReverseStreamWasMade_RolledBackThenCutOverWithOneWorkingFallbackThenFallBackAndStopLeaveNothing()
    {
        await using var scenario = await RelayScenario.StartAsync(target: new ClusterOptions { Major = 17 });
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g", "app");
        await using var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout)).Id;
        // The switch command runs once the reverse stream exists, while the applications are held: the first time, it
        // kills the process that runs the switch (its parent); the next time, it lets the switch go on.
        var marker = Path.Combine(scenario.StateDirectory, "killed-once");
        var command = $"if [ ! -e '{marker}' ]; then touch '{marker}'; kill -9 $PPID; fi";

        var (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "cutover", "--state", scenario.StatePath, "--switch-command", command, "--fallback");
        Assert.True(File.Exists(marker), output);
        if (exit != 0)
        {
            // The killed runner's cutover is finished by the next one, which first rolls its switch back.
            (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "cutover", "--state", scenario.StatePath, "--switch-command", command, "--fallback");
        }

        Assert.True(exit == 0, output);
        Assert.Equal(MigrationStatus.Done, FallbackTests.Record(scenario, forwardId).Status);
        MigrationRecord[] reverses;
        using (var store = MigrationStore.Open(scenario.StatePath))
            reverses = store.All().Where(r => r.Method == MigrationMethod.Fallback).OrderBy(r => r.CreatedAt).ToArray();
        // The stream made before the kill was dropped by the rollback; the one made by the cutover that completed runs.
        Assert.Equal(2, reverses.Length);
        Assert.Equal(MigrationStatus.Canceled, reverses[0].Status);
        Assert.True(reverses[1].IsActive, Migrations.RelayScenario.Describe(reverses[1]));
        // The cutover that completed ran in the command (its runner was killed): nothing runs the stream back until
        // pgmove start, and both the cutover and status say so rather than "the source follows the target".
        Assert.Contains("stream back is not running yet", output, StringComparison.Ordinal);
        var (statusExit, status) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--state", scenario.StatePath);
        Assert.True(statusExit == 0, status);
        Assert.Contains("but not running: no pgmove process runs the stream back", status, StringComparison.Ordinal);
        Assert.DoesNotContain("the source follows the target", status, StringComparison.Ordinal);
        // While the way back is kept the old server stays read-only: unfreeze refuses, naming finish.
        var (unfreezeExit, unfrozen) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "unfreeze", "--state", scenario.StatePath);
        Assert.True(unfreezeExit != 0, unfrozen);
        Assert.Contains("pgmove finish", unfrozen, StringComparison.Ordinal);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => scenario.Source.ExecuteAsync("INSERT INTO t VALUES (1000, 1000)", "app"));
        await using var resumed = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath);
        await FallbackTests.WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Id == reverses[1].Id && r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        (_, status) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--json", "--state", scenario.StatePath);
        Assert.Matches(@"""fallback"": \{[^}]*""runner_alive"": true", status);
        await scenario.Target.ExecuteAsync("UPDATE t SET v = v + 1", "app");
        await scenario.Target.ExecuteAsync("ALTER TABLE t ADD COLUMN w int DEFAULT 7", "app");
        await FallbackTests.WaitForAsync(async () => await scenario.Source.ScalarAsync<long>("SELECT sum(v) FROM t", "app") == 5050 + 100
                && await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'w'", "app") == 1,
            () => Migrations.RelayScenario.Describe(FallbackTests.Record(scenario, reverses[1].Id)));

        // Back to the old server, then stop (finish is FallbackFinishTests'): nothing of PgMove's is left on either server.
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "fallback", "--state", scenario.StatePath, "--switch-command", "true");
        Assert.True(exit == 0, output);
        await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(forwardId),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "stop", "--state", scenario.StatePath);
        Assert.True(exit == 0, output);
        using (var exited = new CancellationTokenSource(Timeout))
            await resumed.WaitForExitAsync(exited.Token);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
