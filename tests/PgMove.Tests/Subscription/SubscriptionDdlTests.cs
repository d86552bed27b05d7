using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>
/// The subscription method's captured DDL (15 -> 17): under a write load the source adds a column with a default and
/// uses it, and creates a table with rows; the database stops with the statement named; pgmove start --apply-ddl runs
/// the captured DDL on the target and the migration streams again; after the cutover nothing differs and the capture
/// is gone from the source.
/// </summary>
public sealed class SubscriptionDdlTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>A failed apply worker is restarted after wal_retrieve_retry_interval (5 s by default): 1 s finds a lasting error sooner.</summary>
    private static readonly ClusterOptions FastRetries = new() { Major = 17, Settings = new Dictionary<string, string> { ["wal_retrieve_retry_interval"] = "'1s'" } };

    private const string AddColumn = "ALTER TABLE items ADD COLUMN price numeric NOT NULL DEFAULT 9.5";

    [SkippableFact]
    public async Task Streaming_ColumnAddedAndTableCreatedOnSource_StopsNamingTheStatementAndApplyDdlResumesWithNoDifference()
    {
        await using var scenario = await RelayScenario.StartAsync(target: FastRetries);
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id bigserial PRIMARY KEY, name text); INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 200) g", "shop");
        var environment = scenario.CliEnvironment();

        await using (var start = PgMoveProcess.Start(environment, "start", "--method", "subscription", "--state", scenario.StatePath, "--log-level", "information"))
        {
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == start.Id, Timeout);
            // The capture is there, logging into an unlogged table (never published).
            Assert.True(1L == await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'pgmove%ddl_end'", "shop"), start.Output);
            Assert.Equal(1L, await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgmove%ddl_log' AND relpersistence = 'u'", "shop"));

            using var load = new CancellationTokenSource();
            var writes = WriteLoadAsync(scenario, load.Token);
            await scenario.Source.ExecuteAsync(AddColumn, "shop");
            await scenario.Source.ExecuteAsync("UPDATE items SET price = id WHERE id <= 20", "shop");
            await scenario.Source.ExecuteAsync("CREATE TABLE tags (id int PRIMARY KEY, item bigint NOT NULL REFERENCES items (id), label text)", "shop");
            await scenario.Source.ExecuteAsync("INSERT INTO tags SELECT g, g, 'tag ' || g FROM generate_series(1, 50) g", "shop");

            await start.WaitForExitAsync(new CancellationTokenSource(Timeout).Token);
            var failed = scenario.Latest();
            Assert.True(failed.Status == MigrationStatus.Error, RelayScenario.Describe(failed) + "\n" + start.Output);
            Assert.Equal(DatabasePhase.Failed, failed.Databases.Single(d => d.Name == "shop").Phase);
            Assert.Contains(AddColumn, failed.Error, StringComparison.Ordinal);
            Assert.Contains("pgmove start --apply-ddl", failed.Error + failed.Fix, StringComparison.Ordinal);

            // The documented fix, with the load still running; this run keeps applying DDL the stream reaches later.
            await using (var resume = PgMoveProcess.Start(environment, "start", "--apply-ddl", "--state", scenario.StatePath, "--log-level", "information"))
            {
                await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == resume.Id
                                                 && r.Databases.All(d => d.TablesDone == d.TablesTotal) && r.Databases.Single(d => d.Name == "shop").TablesTotal == 2, Timeout);
                await load.CancelAsync();
                await writes;
                await SubscriptionMigration.WaitAppliedAsync(scenario);
                await WaitForSameAsync(scenario, "SELECT count(*) || '/' || sum(price) FROM items");
                await WaitForSameAsync(scenario, "SELECT count(*) || '/' || sum(item) FROM tags");
                await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
                var synced = scenario.Latest();
                Assert.Equal(2L, synced.Databases.Single(d => d.Name == "shop").DdlApplied);
                Assert.Contains("DDL ALTER TABLE from the source applied on the target", resume.Output, StringComparison.Ordinal);
                await resume.InterruptAsync();
            }

            // A retry with nothing pending says so and streams on.
            await using (var again = PgMoveProcess.Start(environment, "start", "--apply-ddl", "--state", scenario.StatePath, "--log-level", "information"))
            {
                await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == again.Id, Timeout);
                Assert.Contains("no captured DDL is pending on the target", again.Output, StringComparison.Ordinal);
                var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
                Assert.True(code == 0, output + "\n" + again.Output);
                await again.WaitForExitAsync(new CancellationTokenSource(Timeout).Token);
                Assert.True(again.ExitCode == 0, again.Output);
            }
        }

        var done = scenario.Latest();
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(9.5m, await scenario.Target.ScalarAsync<decimal>("SELECT price FROM items WHERE id = 100", "shop"));
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);
        Assert.Empty(await scenario.Source.ColumnAsync("SELECT nspname FROM pg_namespace WHERE nspname = '_pgmove'", "shop"));
        Assert.Empty(await scenario.Target.ColumnAsync("SELECT nspname FROM pg_namespace WHERE nspname = '_pgmove'", "shop"));
    }

    /// <summary>An insert every few milliseconds: the stream is never idle while the DDL runs and is applied.</summary>
    private static async Task WriteLoadAsync(RelayScenario scenario, CancellationToken ct)
    {
        await using var connection = await scenario.Source.OpenAsync("shop", CancellationToken.None);
        while (!ct.IsCancellationRequested)
        {
            await using (var insert = new Npgsql.NpgsqlCommand("INSERT INTO items (name) VALUES ('load')", connection))
                await insert.ExecuteNonQueryAsync(CancellationToken.None);
            try
            {
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task WaitForSameAsync(RelayScenario scenario, string sql)
    {
        var expected = await scenario.Source.ScalarAsync<string>(sql, "shop");
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (await scenario.Target.ScalarAsync<string>(sql, "shop") != expected)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The target never reached {expected} for {sql}: {RelayScenario.Describe(scenario.Latest())}");
            await Task.Delay(200);
        }
    }
}
