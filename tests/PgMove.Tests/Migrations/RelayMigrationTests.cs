using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>Continuous migration 15 → 17 under a pgbench load, in process: copy, stream, cutover, stop.</summary>
public sealed class RelayMigrationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task Start_UnderPgbenchLoad_CutoverLeavesIdenticalDataAndNothingBehind()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE bank");
        await Pgbench.InitAsync(scenario.Source, "bank", scale: 2);
        await scenario.Source.ExecuteAsync("CREATE DATABASE empty_one");

        using var load = new CancellationTokenSource();
        var pgbench = Pgbench.LoadAsync(scenario.Source, "bank", seconds: 60, clients: 2, load.Token);
        var (_, run) = await scenario.RunAsync(scenario.Options(), CancellationToken.None);

        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        Assert.All(syncing.Databases, d => Assert.True(d.CopyDone));
        await Task.Delay(3000); // changes stream while pgbench writes
        await load.CancelAsync();
        await pgbench;

        scenario.Request("cutover");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));

        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "bank");
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT sum(abalance) FROM pgbench_accounts", "bank"));
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT last_value FROM pgbench_history_hid_seq", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT last_value FROM pgbench_history_hid_seq", "bank"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = '_pgmove'", "bank"));
    }

    [SkippableFact]
    public async Task Stop_WhileSyncing_DropsSlotsKeepsData()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g", "shop");
        var (_, run) = await scenario.RunAsync(scenario.Options(), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (1001, 'late')", "shop");
        // A lag of 0 measured after the insert (a record saved before it says 0 too): the row is applied.
        var after = DateTimeOffset.UtcNow.AddSeconds(1.2);
        await scenario.WaitForAsync(r => r.RunnerHeartbeat > after && r.Databases.All(d => d.LagBytes == 0), Timeout, run);

        scenario.Request("stop");
        var stopped = await run.WaitAsync(Timeout);
        Assert.Equal(MigrationStatus.Canceled, stopped.Status);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.Equal(1001, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
    }

    [SkippableFact]
    public async Task Resume_OtherIgnoreDbOrNoDdlCaptureRefused_WithoutThemResumedAsStarted()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE DATABASE skipped");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY)", "shop");
        using var detach = new CancellationTokenSource();
        var (_, first) = await scenario.RunAsync(scenario.Options(o => o with { IgnoreDatabases = ["skipped", "postgres"] }), detach.Token);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, first);
        await detach.CancelAsync();
        await first.WaitAsync(Timeout);

        // Another list is refused: the migration would be half one, half the other.
        var error = await Assert.ThrowsAsync<PgMoveException>(() => scenario.RunAsync(scenario.Options(o => o with { IgnoreDatabases = ["skipped"] }), CancellationToken.None));
        Assert.Equal("migration.ignore_list_differs", error.Code);
        Assert.Contains("skipped, postgres", error.Message, StringComparison.Ordinal);
        // So is turning the DDL capture off: the databases copied so far have it.
        var capture = await Assert.ThrowsAsync<PgMoveException>(() => scenario.RunAsync(scenario.Options(o => o with { CaptureDdl = false }), CancellationToken.None));
        Assert.Equal("migration.ddl_capture_differs", capture.Code);
        Assert.Contains("--no-ddl-capture", capture.Fix, StringComparison.Ordinal);

        // No list (as a plain `pgmove start` after Ctrl-C): resumed as started.
        var resumedAt = DateTimeOffset.UtcNow;
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (1)", "shop");
        var (_, resumed) = await scenario.RunAsync(scenario.Options(), CancellationToken.None);
        var streaming = await scenario.WaitForAsync(r => r.RunnerHeartbeat > resumedAt && r.Databases.All(d => d.Phase == DatabasePhase.Streaming && d.LagBytes == 0), Timeout, resumed);
        Assert.Equal(["shop"], streaming.Databases.Select(d => d.Name));
        scenario.Request("stop");
        Assert.Equal(MigrationStatus.Canceled, (await resumed.WaitAsync(Timeout)).Status);

        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname = 'skipped'"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Start_PreflightFails_CreatesNothing()
    {
        await using var scenario = await RelayScenario.StartAsync(source: new ClusterOptions { Major = 15, WalLevel = "replica" });
        var before = await CatalogSnapshot.TakeAsync(scenario.Source);
        var error = await Assert.ThrowsAsync<PgMove.Core.Copy.PreflightFailedException>(() => scenario.RunAsync(scenario.Options(), CancellationToken.None));
        Assert.Contains(error.Report.Failures, f => f.Id == "source.wal_level");
        Assert.Equal(before, await CatalogSnapshot.TakeAsync(scenario.Source));
    }
}
