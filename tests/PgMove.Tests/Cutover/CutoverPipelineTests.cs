using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using PgMove.Tests.Subscription;

namespace PgMove.Tests.Cutover;

/// <summary>
/// The one cutover pipeline (relay and subscription): nothing is dropped before the target is verified, a cutover
/// that cannot be verified leaves the migration syncing with its slots, a retry is an answer, the freeze is explicit.
/// </summary>
public sealed class CutoverPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static async Task<RelayScenario> ShopAsync()
    {
        var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g", "shop");
        return scenario;
    }

    private static MigrationOptions Method(RelayScenario scenario, string method) =>
        method == "subscription" ? SubscriptionMigration.Options(scenario) : scenario.Options(o => o with { IgnoreDatabases = ["postgres"] });

    private static async Task<int> SlotsAsync(PgCluster source) =>
        await source.ScalarAsync<int>("SELECT count(*)::int FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%' AND slot_name NOT LIKE 'pg\\_%'");

    [SkippableTheory]
    [InlineData("relay")]
    [InlineData("subscription")]
    public async Task Cutover_SourceStillWritten_IsRefusedKeepsSlotsAndSucceedsOnceWritesStop(string method)
    {
        await using var scenario = await ShopAsync();
        var (_, run) = await scenario.RunAsync(Method(scenario, method), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);

        // Writes go on through the whole cutover: the marks are reached, but the source is written after them.
        using var writes = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var id = 10_000; !writes.IsCancellationRequested; id++)
            {
                await scenario.Source.ExecuteAsync($"INSERT INTO items VALUES ({id}, 'late')", "shop");
                await Task.Delay(20);
            }
        });
        scenario.Request("cutover");
        var refused = await scenario.WaitForAsync(r => r.Request is null && r.Error is not null, Timeout, run);
        Assert.Equal(MigrationStatus.Syncing, refused.Status);
        Assert.Contains("cutover refused", refused.Error, StringComparison.Ordinal);
        Assert.Contains("written", refused.Error, StringComparison.Ordinal);
        Assert.Equal(refused.Databases.Count, await SlotsAsync(scenario.Source));
        Assert.False(run.IsCompleted);

        await writes.CancelAsync();
        await writer;
        scenario.Request("cutover");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.Null(done.Error);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableTheory]
    [InlineData("relay")]
    [InlineData("subscription")]
    public async Task Cutover_TargetDiffers_VerifyRefusesBeforeDroppingAnything(string method)
    {
        await using var scenario = await ShopAsync();
        var (_, run) = await scenario.RunAsync(Method(scenario, method), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        // A row changed on the target directly: the verification finds it.
        await scenario.Target.ExecuteAsync("UPDATE items SET name = 'changed on the target' WHERE id = 7", "shop");

        scenario.Request("cutover");
        var refused = await scenario.WaitForAsync(r => r.Request is null && r.Error is not null, Timeout, run);
        Assert.Equal(MigrationStatus.Syncing, refused.Status);
        Assert.Contains("verification found differences", refused.Error, StringComparison.Ordinal);
        Assert.Contains("items", refused.Error, StringComparison.Ordinal);
        Assert.Equal(refused.Databases.Count, await SlotsAsync(scenario.Source));

        // Still syncing: a change made now arrives, and once the target is fixed the cutover goes through.
        await scenario.Target.ExecuteAsync("UPDATE items SET name = 'item 7' WHERE id = 7", "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (501, 'after the refusal')", "shop");
        if (method == "relay")
            await CreateSequenceAndRoleAsync(scenario);
        scenario.Request("cutover");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.Equal(501, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM items", "shop"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        if (method == "relay")
            await AssertSequenceAndRoleCreatedAsync(scenario, done);
    }

    [SkippableFact]
    public async Task Cutover_FrozenThenRetried_ReportsTheRecordedResultAndUnfreezeMakesTheSourceWritable()
    {
        await using var scenario = await ShopAsync();
        var (_, run) = await scenario.RunAsync(scenario.Options(), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        scenario.Request("cutover-freeze");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        // The freeze outlives the cutover on purpose, and the result says so.
        Assert.Contains("stay read-only on purpose", done.Result, StringComparison.Ordinal);
        Assert.Contains("pgmove unfreeze", done.Result, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => scenario.Source.ExecuteAsync("INSERT INTO items VALUES (900, 'x')", "shop"));
        Assert.Equal("25006", error.SqlState);

        // A retried cutover is an answer: the recorded result, exit 0.
        var retry = await CliRunner.RunAsync("cutover", "--state", scenario.StatePath);
        Assert.True(retry.ExitCode == 0, retry.Output + retry.Error);
        Assert.Contains("already cut over", retry.Output, StringComparison.Ordinal);
        var stop = await CliRunner.RunAsync("stop", "--state", scenario.StatePath);
        Assert.True(stop.ExitCode == 0, stop.Output + stop.Error);
        Assert.Contains("nothing to stop", stop.Output, StringComparison.Ordinal);

        // unfreeze works while the databases are read-only, and again (nothing to undo) without failing.
        var unfreeze = await CliRunner.RunAsync("unfreeze", "--state", scenario.StatePath);
        Assert.True(unfreeze.ExitCode == 0, unfreeze.Output + unfreeze.Error);
        Assert.Contains("shop", unfreeze.Output, StringComparison.Ordinal);
        Assert.Contains("postgres", unfreeze.Output, StringComparison.Ordinal);
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (900, 'writable again')", "shop");
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>(
            "SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));
        var again = await CliRunner.RunAsync("unfreeze", "--state", scenario.StatePath);
        Assert.True(again.ExitCode == 0, again.Output + again.Error);
        Assert.Contains("nothing to undo", again.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A sequence and a role created while a relay migration streams (formerly the test
    /// Cutover_SequenceAndRoleCreatedWhileStreaming_AreCreatedOnTheTarget, now part of the relay run of
    /// Cutover_TargetDiffers_…: one migration instead of two, the same options and checks).
    /// </summary>
    private static async Task CreateSequenceAndRoleAsync(RelayScenario scenario)
    {
        await scenario.Source.ExecuteAsync("CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 5; SELECT nextval('invoice_numbers'); SELECT nextval('invoice_numbers')", "shop");
        await scenario.Source.ExecuteAsync("CREATE ROLE reporting_late LOGIN");
    }

    /// <summary>After the cutover: the sequence and the role created while streaming are on the target.</summary>
    private static async Task AssertSequenceAndRoleCreatedAsync(RelayScenario scenario, MigrationRecord done)
    {
        // A role created while streaming is created at cutover, and the result names it.
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM pg_roles WHERE rolname = 'reporting_late' AND rolcanlogin"));
        Assert.Contains("reporting_late", done.Result, StringComparison.Ordinal);
        Assert.Equal(1005, await scenario.Target.ScalarAsync<long>("SELECT last_value FROM invoice_numbers", "shop"));
        Assert.Equal(1010, await scenario.Target.ScalarAsync<long>("SELECT nextval('invoice_numbers')", "shop"));
    }

    [SkippableFact]
    public async Task Subscription_InterruptedAfterDroppingItsObjects_FinishesWithoutCopyingAgain()
    {
        await using var scenario = await ShopAsync();
        using var detach = new CancellationTokenSource();
        var (_, first) = await scenario.RunAsync(Method(scenario, "subscription"), detach.Token);
        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, first);
        await detach.CancelAsync();
        await first.WaitAsync(Timeout);
        var oid = await scenario.Target.ScalarAsync<long>("SELECT oid::bigint FROM pg_database WHERE datname = 'shop'");

        // What a kill -9 right after the cutover dropped subscription, slot and publication leaves: the request
        // recorded, the objects gone.
        var slot = syncing.Databases.Single(d => d.Name == "shop").Slot!;
        await scenario.Target.ExecuteAsync($"ALTER SUBSCRIPTION \"{slot}\" DISABLE; ALTER SUBSCRIPTION \"{slot}\" SET (slot_name = NONE); DROP SUBSCRIPTION \"{slot}\"", "shop");
        await scenario.Source.ExecuteAsync($"SELECT pg_drop_replication_slot('{slot}')");
        await scenario.Source.ExecuteAsync($"DROP PUBLICATION \"{syncing.Databases[0].Publication}\"", "shop");
        scenario.Request(MigrationControl.CutoverFinishing);

        var cutover = await CliRunner.RunAsync("cutover", "--state", scenario.StatePath);
        Assert.True(cutover.ExitCode == 0, cutover.Output + cutover.Error);
        Assert.Equal(MigrationStatus.Done, scenario.Latest().Status);
        Assert.Equal(oid, await scenario.Target.ScalarAsync<long>("SELECT oid::bigint FROM pg_database WHERE datname = 'shop'"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Relay_OneDatabaseFails_TheOthersKeepStreaming()
    {
        await using var scenario = await ShopAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE blog");
        await scenario.Source.ExecuteAsync("CREATE TABLE posts (id int PRIMARY KEY, title text)", "blog");
        // Without the DDL capture, a schema change stops the database it happens in.
        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { IgnoreDatabases = ["postgres"], CaptureDdl = false }), CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);

        // A schema change the relay cannot apply stops "shop" alone.
        await scenario.Source.ExecuteAsync("ALTER TABLE items ADD COLUMN extra int; INSERT INTO items VALUES (600, 'x', 1)", "shop");
        var stopped = await scenario.WaitForAsync(r => r.Databases.Any(d => d.Name == "shop" && d.Phase == DatabasePhase.Failed), Timeout, run);
        Assert.False(run.IsCompleted);
        Assert.NotNull(stopped.Error);
        Assert.Contains("database shop", stopped.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("database shop: database shop", stopped.Error, StringComparison.Ordinal);

        await scenario.Source.ExecuteAsync("INSERT INTO posts VALUES (1, 'still streaming')", "blog");
        await scenario.WaitForAsync(_ => true, TimeSpan.FromSeconds(1), run);
        var deadline = DateTime.UtcNow + Timeout;
        while (await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM posts", "blog") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "blog's row never arrived");
            await Task.Delay(200);
        }
        Assert.Equal(DatabasePhase.Streaming, scenario.Latest().Databases.Single(d => d.Name == "blog").Phase);

        scenario.Request("stop");
        var canceled = await run.WaitAsync(Timeout);
        Assert.Equal(MigrationStatus.Canceled, canceled.Status);
    }

    [SkippableFact]
    public async Task Start_LongTransactionOnSource_StatusSaysWhatTheSnapshotWaitsFor()
    {
        await using var scenario = await ShopAsync();
        // A transaction with an xid, open before the slot is asked for: the slot waits until it ends.
        await using var blocker = await scenario.Source.OpenAsync("shop");
        await using (var begin = new Npgsql.NpgsqlCommand("BEGIN; INSERT INTO items VALUES (9999, 'held open')", blocker))
            await begin.ExecuteNonQueryAsync();
        var pid = blocker.ProcessID;

        var (_, run) = await scenario.RunAsync(scenario.Options(o => o with { IgnoreDatabases = ["postgres"] }), CancellationToken.None);
        var waiting = await scenario.WaitForAsync(r => r.Databases.Any(d => d.LastError?.Contains("waiting for transaction pid", StringComparison.Ordinal) == true), Timeout, run);
        Assert.Contains($"pid {pid}", waiting.Databases.Single().LastError, StringComparison.Ordinal);

        await using (var commit = new Npgsql.NpgsqlCommand("COMMIT", blocker))
            await commit.ExecuteNonQueryAsync();
        var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        Assert.Null(syncing.Databases.Single().LastError);
        scenario.Request("cutover");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.Equal(501, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM items", "shop"));
    }
}
