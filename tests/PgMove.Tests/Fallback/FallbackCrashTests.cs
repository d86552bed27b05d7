using Npgsql;
using PgMove.Core.Cutover;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.State;
using PgMove.Core.Switch;
using PgMove.Tests.Cutover;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Fallback;

/// <summary>
/// kill -9 of the process that runs a cutover with fallback while its switch holds the applications, after the reverse
/// stream (record, slot, publication, DDL capture) was made: the next run rolls the switch back, dropping all of it,
/// and cuts over again; one fallback stream remains and works. Until pgmove start runs it, the cutover and status say
/// that nothing runs it, and unfreeze refuses to make the old server writable while the way back is kept. And kill -9
/// of the process that runs a fallback's own switch around the instant it makes the old server writable again, then of
/// a later cutover's: the applications end on exactly one writable server each time (15 → 17, PgBouncer).
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

    /// <summary>
    /// A cutover with fallback killed after its resume, while it verifies, is finished by the next run. A fallback's
    /// switch makes the old server writable just before its resume. Killed right after that (the step
    /// recorded is still Reloading), its recovery rolls back: the applications stay on the new server and the old one,
    /// which the stream back still applies to, is read-only again. Killed once Resuming is recorded, the next run
    /// completes it: the old server stays writable and the new one follows it. Then a cutover with the switch (the new
    /// server frozen by the fallback) killed after its resume, while it verifies, is resumed as an interrupted cutover
    /// (<c>InterruptedCutover</c>, not a switch recovery): the applications write to the new server.
    /// </summary>
    [SkippableFact]
    public async Task Fallback_PgmoveKilledAroundTheOldServersThaw_RolledBackFrozenOrCompletedWritableThenACutoverKilledWhileVerifyingEndsOnTheWritableNewServer()
    {
        await using var setup = await SwitchCutoverTests.Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        var old = scenario.Source;
        var fresh = scenario.Target;
        var first = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        await using var firstRun = first;
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout)).Id;

        // 0. The cutover with fallback, killed after its resume while it verifies: pgmove start finishes it (the stream
        // back recorded its start on the old server while the applications were held: no reason to refuse), then runs
        // the stream back; the old server stays read-only.
        var (exit, output) = await CutoverKilledWhileVerifyingAsync(setup, forwardId, first, "--fallback");
        Assert.True(exit != 0, output);
        var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath);
        await using var started = start;
        var reverse = await FallbackTests.WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        Assert.Equal(MigrationStatus.Done, FallbackTests.Record(scenario, forwardId).Status);
        await AssertPgBouncerLeadsToAsync(setup, fresh.Port);
        Assert.True(await FrozenAsync(old));
        var written = await WriteThroughPgBouncerAsync(setup, fresh.Port);
        await FallbackTests.WaitForAsync(async () => await FallbackTests.History(old) == written, () => RelayScenario.Describe(FallbackTests.Record(scenario, reverse.Id)));

        // 1. The fallback's thaw of the old server waits for a lock this test holds; pgmove is killed while it waits,
        // and the thaw lands when the lock goes: the old server writable, the step recorded Reloading.
        var hold = await HoldSettingsAsync(old);
        var fallback = PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "fallback", "--state", scenario.StatePath, "--pgbouncer", setup.AdminConninfo);
        await WaitForThawBlockedAsync(old, fallback, start);
        Assert.Equal("Reloading", FallbackTests.Record(scenario, reverse.Id).SwitchStep);
        await start.KillAsync();
        await hold.DisposeAsync();
        await FallbackTests.WaitForAsync(async () => !await FrozenAsync(old));
        (exit, output) = await fallback;
        Assert.True(exit != 0 && output.Contains("went away", StringComparison.Ordinal), output);

        // The recovery (what the next run does first) rolls the switch back: PgBouncer resumed on the new server, which
        // is writable; the old one read-only again, since the stream back still applies to it; the migration done.
        using (var store = MigrationStore.Open(scenario.StatePath))
        {
            var (source, target) = store.ReadSecrets(reverse.Id);
            await CutoverSwitch.RecoverAsync(store, reverse.Id, new MigrationOptions { Source = source, Target = target }, CancellationToken.None);
        }
        await AssertPgBouncerLeadsToAsync(setup, fresh.Port);
        Assert.True(await FrozenAsync(old));
        Assert.False(await FrozenAsync(fresh));
        await Assert.ThrowsAsync<PostgresException>(() => old.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 0)", "app"));
        written += await WriteThroughPgBouncerAsync(setup, fresh.Port);
        var cutOver = FallbackTests.Record(scenario, forwardId);
        Assert.Equal(MigrationStatus.Done, cutOver.Status);
        Assert.DoesNotContain("fell back", cutOver.Result, StringComparison.Ordinal); // it did not; the result says it was rolled back
        Assert.Contains("rolled back", cutOver.Result, StringComparison.Ordinal);
        // The forward stream's start recorded on the new server went with it (the stream back would carry it to the old one).
        Assert.Equal(0L, await fresh.ScalarAsync<long>($"SELECT count(*) FROM \"_pgmove\".\"applied\" WHERE slot LIKE '{ReplicationNames.Publication(forwardId)}%'", "app"));
        Assert.Equal("cutover-freeze", FallbackTests.Record(scenario, reverse.Id).Request); // the fallback is asked again

        // 2. pgmove start resumes the stream back and asks the fallback again; the same thaw waits for the lock, PgBouncer
        // is stopped (SIGSTOP), the lock goes: the step Resuming is recorded and RESUME hangs; pgmove is killed there.
        hold = await HoldSettingsAsync(old);
        var second = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath);
        await using (second)
        {
            await WaitForThawBlockedAsync(old, process: second);
            Assert.True(NativeSignals.Send(setup.Bouncer.ProcessId, NativeSignals.SigStop));
            try
            {
                await hold.DisposeAsync();
                await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(reverse.Id), r => r.SwitchStep == "Resuming");
                await second.KillAsync();
            }
            finally
            {
                NativeSignals.Send(setup.Bouncer.ProcessId, NativeSignals.SigCont);
            }
        }

        // The next run completes the switch: the applications write to the old server, which stays writable; the new one
        // is read-only and follows it; nothing was lost. (The fallback's cutover, resumed past its switch, was refused
        // before: its check for writes after the marks found the migration's start recorded on the new server while the
        // applications were held, and made the new server writable beside the old one, the stream back left running.)
        var third = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath);
        await using var thirdRun = third;
        var resumedAt = DateTimeOffset.UtcNow;
        await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(forwardId),
            r => r.Status == MigrationStatus.Syncing && r.RunnerPid == third.Id && r.RunnerHeartbeat > resumedAt && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        Assert.Equal(MigrationStatus.Done, FallbackTests.Record(scenario, reverse.Id).Status);
        await AssertPgBouncerLeadsToAsync(setup, old.Port);
        Assert.False(await FrozenAsync(old));
        Assert.True(await FrozenAsync(fresh));
        written += await WriteThroughPgBouncerAsync(setup, old.Port);
        await FallbackTests.WaitForAsync(async () => await FallbackTests.History(fresh) == written, () => RelayScenario.Describe(FallbackTests.Record(scenario, forwardId)));
        Assert.Equal(written, await FallbackTests.History(old));
        await DataComparer.AssertSameAsync(old, fresh, "app");

        // 3. A cutover with the switch, killed once it resumed the applications on the new server (thawed before the
        // resume) while it verifies: the next cutover resumes it
        // as an interrupted cutover, without moving the applications again, and the new server is writable. (The same
        // pgmove cutover --pgbouncer refused before: its check of PgBouncer found no entry leading to the source.)
        (exit, output) = await CutoverKilledWhileVerifyingAsync(setup, forwardId, third);
        Assert.True(exit != 0, output);
        (exit, output) = await setup.CutoverAsync();
        Assert.True(exit == 0, output);
        Assert.Contains("verify: not repeated", output, StringComparison.Ordinal);
        Assert.Equal(MigrationStatus.Done, FallbackTests.Record(scenario, forwardId).Status);
        await AssertPgBouncerLeadsToAsync(setup, fresh.Port);
        Assert.False(await FrozenAsync(fresh));
        Assert.True(await FrozenAsync(old));
        await DataComparer.AssertSameAsync(old, fresh, "app");
        written += await WriteThroughPgBouncerAsync(setup, fresh.Port);
        Assert.Equal(written, await FallbackTests.History(fresh));
        await SourceHygiene.AssertCleanAsync(old);
        await SourceHygiene.AssertCleanAsync(fresh);
    }

    /// <summary>
    /// pgmove cutover --pgbouncer (run by <paramref name="runner"/>), killed with its runner once the switch resumed the
    /// applications on the target, while it verifies: a lock held on a table of the source stops it there (on the source:
    /// an ACCESS EXCLUSIVE lock takes a transaction id, which a fallback's slots made on the target would wait for; the
    /// test's sessions are named pgmove, so the freeze does not end this one). Returns the cutover's exit and output.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> CutoverKilledWhileVerifyingAsync(SwitchCutoverTests.Setup setup, string migrationId, PgMoveProcess runner, params string[] extra)
    {
        var source = setup.Scenario.Source;
        await using var verifying = await source.OpenAsync("app");
        await using (var lockTable = new NpgsqlCommand("SET default_transaction_read_only = off; BEGIN; LOCK TABLE pgbench_branches IN ACCESS EXCLUSIVE MODE", verifying))
            await lockTable.ExecuteNonQueryAsync();
        var cutover = setup.CutoverAsync(extra);
        await FallbackTests.WaitForAsync(async () => FallbackTests.Record(setup.Scenario, migrationId).SwitchStep == "Done"
            && await source.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'pgbench_branches'::regclass", "app") > 0);
        await runner.KillAsync();
        return await cutover;
    }

    /// <summary>
    /// An open transaction holding pg_db_role_setting in SHARE mode: pgmove's thaw (ALTER DATABASE … RESET) waits for it
    /// and goes on once it ends (disposed). It takes no transaction id, so the slots made meanwhile do not wait for it.
    /// </summary>
    private static async Task<NpgsqlConnection> HoldSettingsAsync(PgCluster cluster)
    {
        var connection = await cluster.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE pg_catalog.pg_db_role_setting IN SHARE MODE", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>Until pgmove's thaw waits for the lock <see cref="HoldSettingsAsync"/> holds; fails at once with its output if <paramref name="run"/> ends first.</summary>
    private static async Task WaitForThawBlockedAsync(PgCluster cluster, Task<(int ExitCode, string Output)>? run = null, PgMoveProcess? process = null)
    {
        await FallbackTests.WaitForAsync(async () =>
        {
            if (run is { IsCompleted: true })
                Assert.Fail($"the fallback ended before its thaw waited: {(await run).Output}");
            if (process is { HasExited: true })
                Assert.Fail($"pgmove start ended before the fallback's thaw waited: {process.Output}");
            return await cluster.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgmove' AND wait_event_type = 'Lock' AND query LIKE 'ALTER DATABASE%RESET%'") > 0;
        });
    }

    /// <summary>Whether database app carries PgMove's freeze (read-only for everyone but PgMove).</summary>
    private static async Task<bool> FrozenAsync(PgCluster cluster) => await cluster.ScalarAsync<long>(
        "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'app' AND s.setrole = 0 "
        + "AND 'default_transaction_read_only=on' = ANY (s.setconfig)") > 0;

    private static async Task AssertPgBouncerLeadsToAsync(SwitchCutoverTests.Setup setup, int port)
    {
        var admin = await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None);
        var entry = Assert.Single(await admin.DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.False(entry.Paused);
        Assert.Equal(port, entry.Port);
    }

    /// <summary>100 rows written as the applications write (through PgBouncer), on the server at <paramref name="port"/>; returns 100.</summary>
    private static async Task<long> WriteThroughPgBouncerAsync(SwitchCutoverTests.Setup setup, int port)
    {
        Assert.Equal(port, await setup.Bouncer.ScalarAsync<int>("app",
            "WITH w AS (INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 0, now() FROM generate_series(1, 100) g RETURNING 1) SELECT inet_server_port()"));
        return 100;
    }
}
