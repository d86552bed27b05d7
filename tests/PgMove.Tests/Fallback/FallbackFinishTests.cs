using Microsoft.Extensions.Time.Testing;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Fallback;

/// <summary>
/// The edges of a fallback on real servers (15 → 17): a target that cannot carry one refuses the cutover before anything
/// is switched; DDL on the new server (a column added between rows, a table created) reaches the old one; a fallback still
/// runs after six days (its limit is seven); <c>pgmove finish</c> leaves nothing on the new server, its DDL capture included,
/// nor the slot of an earlier stream back left in error by a failed undo; with the new server down it is not finished
/// (exit 1, retried once the server is back), with the old server down it is (a warning names what stays there).
/// </summary>
public sealed class FallbackFinishTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task CutoverWithFallback_TargetWalLevelReplica_RefusedBeforeSwitchingThenOnceFixedDdlFollowedAndFinishLeavesNothing()
    {
        await using var scenario = await RelayScenario.StartAsync(target: new ClusterOptions { Major = 17, WalLevel = "replica" });
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g", "app");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { Clock = clock, IgnoreDatabases = ["postgres"] }), CancellationToken.None);
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run)).Id;

        var (exit, output) = await Cutover(scenario);

        Assert.True(exit == 1, output);
        Assert.Contains("wal_level is 'replica' on the target", output, StringComparison.Ordinal);
        Assert.Contains("ALTER SYSTEM SET wal_level = logical", output, StringComparison.Ordinal);
        Assert.Contains("Nothing was switched", output, StringComparison.Ordinal);
        var refused = scenario.Latest();
        Assert.Equal(MigrationStatus.Syncing, refused.Status);
        Assert.Null(refused.SwitchStep);
        Assert.Null(refused.Request);
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));
        Assert.Empty(await SourceHygiene.FindLeftoversAsync(scenario.Target));

        await scenario.Target.ExecuteAsync("ALTER SYSTEM SET wal_level = logical");
        await scenario.Target.RestartAsync();
        // The migration goes on after the restart (its apply session reconnects once there is something to apply).
        await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (102, 102)", "app");
        await FallbackTests.WaitForAsync(async () => await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM t", "app") == 101);
        clock.Advance(TimeSpan.FromSeconds(2)); // the stream back is made after the migration: room for an earlier one between them (below)
        (exit, output) = await Cutover(scenario);

        Assert.True(exit == 0, output);
        var reverse = await FallbackTests.WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        // The applications write to the 17; the 15, read-only for them, follows.
        await scenario.Target.ExecuteAsync("UPDATE t SET v = v + 1 WHERE id <= 50; INSERT INTO t VALUES (101, 101)", "app");
        await FallbackTests.WaitForAsync(async () => await scenario.Source.ScalarAsync<long>("SELECT sum(v) FROM t", "app") == 5050 + 102 + 50 + 101,
            () => Migrations.RelayScenario.Describe(FallbackTests.Record(scenario, reverse.Id)));
        // DDL on the 17 is carried back in order with the rows: a column added between rows, a table created with rows.
        await scenario.Target.ExecuteAsync("ALTER TABLE t ADD COLUMN w text", "app");
        await scenario.Target.ExecuteAsync("UPDATE t SET w = 'w' || id WHERE id <= 10; INSERT INTO t VALUES (103, 103, 'new')", "app");
        await scenario.Target.ExecuteAsync("CREATE TABLE n (id int PRIMARY KEY, s text NOT NULL)", "app");
        await scenario.Target.ExecuteAsync("INSERT INTO n SELECT g, 'n' || g FROM generate_series(1, 50) g", "app");
        await FallbackTests.WaitForAsync(async () => await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'n'", "app") == 1
                && await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM n", "app") == 50,
            () => Migrations.RelayScenario.Describe(FallbackTests.Record(scenario, reverse.Id)));
        Assert.Equal(11, await scenario.Source.ScalarAsync<long>("SELECT count(w) FROM t", "app"));
        Assert.Equal(await scenario.Target.ScalarAsync<string>(ColumnsOfTAndN, "app"), await scenario.Source.ScalarAsync<string>(ColumnsOfTAndN, "app"));
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "verify", "--ignore-db", "postgres");
        Assert.True(exit == 0, output);
        await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(reverse.Id), r => r.Databases.Single().DdlApplied == 2);

        // Six days on: still there (its limit is seven days, not the migration's fourteen, counted from the cutover).
        clock.Advance(TimeSpan.FromDays(6));
        var advanced = DateTimeOffset.UtcNow.AddSeconds(2.2);
        Assert.Equal(MigrationStatus.Syncing, (await FallbackTests.WaitForRecordAsync(scenario, store => store.Get(reverse.Id), r => r.RunnerHeartbeat > advanced)).Status);

        // An earlier stream back of this migration, left in error by an undo that could not drop its slot and publication
        // (that cutover rolled back, then run again): the newer stream is the fallback now, and finish ends both.
        var failed = await FallbackTests.AddFailedEarlierStreamAsync(scenario, forwardId, reverse);
        // The new server down: finish cannot drop the stream back's slot, so it is not finished (exit 1, the slot named, how
        // to retry), the stream back stays in error for the retry (not canceled), and status fails as for a migration in error.
        await scenario.Target.StopAsync();
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "finish", "--state", scenario.StatePath);

        Assert.True(exit != 0, output);
        Assert.Contains("could not be finished", output, StringComparison.Ordinal);
        Assert.Contains(reverse.Databases.Single().Slot!, output, StringComparison.Ordinal);
        Assert.Contains("run pgmove finish again", output, StringComparison.Ordinal);
        Assert.DoesNotContain("is finished", output, StringComparison.Ordinal);
        var ended = await run.WaitAsync(Timeout);
        Assert.Equal(reverse.Id, ended.Id);
        Assert.True(ended.Status == MigrationStatus.Error, Migrations.RelayScenario.Describe(ended));
        Assert.Equal(MigrationStatus.Error, FallbackTests.Record(scenario, failed.Id).Status);
        var (statusExit, statusText) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--state", scenario.StatePath);
        Assert.True(statusExit != 0, statusText);
        Assert.Contains("Fallback error", statusText, StringComparison.Ordinal);

        // Back up, the retry drops what was left: this stream back's slot and the earlier one's.
        await scenario.Target.StartAgainAsync();
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "finish", "--state", scenario.StatePath);

        Assert.True(exit == 0, output);
        Assert.Contains("is finished", output, StringComparison.Ordinal);
        Assert.Contains($"left in error ({failed.Id}) are dropped too", output, StringComparison.Ordinal);
        Assert.Equal(MigrationStatus.Canceled, FallbackTests.Record(scenario, reverse.Id).Status);
        Assert.Equal(MigrationStatus.Canceled, FallbackTests.Record(scenario, failed.Id).Status);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_namespace WHERE nspname = '_pgmove'", "app"));
        // The capture of the new server's DDL went with the reverse stream (AssertCleanAsync found no event trigger), and its schema too.
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM pg_namespace WHERE nspname = '_pgmove'", "app"));
        var (_, status) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--json", "--state", scenario.StatePath);
        Assert.Matches(@"""fallback"": \{\s*""active"": false,\s*""status"": ""canceled""", status);
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "finish", "--state", scenario.StatePath);
        Assert.True(exit == 0, output);
        Assert.Contains("already canceled", output, StringComparison.Ordinal);

        // The old server gone (decommissioned, say) while a stream back still holds a slot on the new one: finish drops it,
        // succeeds and says what stays on the old server.
        var another = await FallbackTests.AddFailedEarlierStreamAsync(scenario, forwardId, reverse);
        await scenario.Source.StopAsync();
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "finish", "--state", scenario.StatePath);

        Assert.True(exit == 0, output);
        Assert.Contains($"left in error ({another.Id}) are dropped too", output, StringComparison.Ordinal);
        Assert.Contains("WARNING: the old server could not be reached to clean up databases app", output, StringComparison.Ordinal);
        Assert.Contains("they stay read-only", output, StringComparison.Ordinal);
        Assert.Equal(MigrationStatus.Canceled, FallbackTests.Record(scenario, another.Id).Status);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
        await scenario.Source.StartAgainAsync();
    }

    private const string ColumnsOfTAndN =
        "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY table_name, ordinal_position) " +
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('t', 'n')";

    private static Task<(int ExitCode, string Output)> Cutover(RelayScenario scenario) =>
        PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "cutover", "--state", scenario.StatePath, "--switch-command", "true", "--fallback");
}
