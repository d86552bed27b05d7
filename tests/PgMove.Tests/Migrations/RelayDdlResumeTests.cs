using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// DDL on the source while a relay migration streams (15 → 17) without the DDL capture (a source where event
/// triggers cannot be installed, see RelayDdlCaptureTests for the capture): the database stops before the first source
/// transaction that needs the new shape, with the statement to run on the target; once it ran there,
/// <c>pgmove start</c> resumes at that transaction and nothing is lost or applied twice, while another table
/// keeps taking writes throughout. PgMove groups many source transactions into one target transaction: the
/// transactions before the DDL must be applied with the table as it was, not replayed against the changed table.
/// </summary>
public sealed class RelayDdlResumeTests
{
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Stream_AddColumnBetweenWrites_StopsWithTheStatement_ResumesAfterTheSameDdlOnTarget(bool separateTransactions) =>
        DdlThenResumeAsync(
            "CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 200) g",
            Statements(separateTransactions,
                "INSERT INTO busy VALUES (1001, 'before the ddl')",
                "UPDATE busy SET v = 'updated before' WHERE id <= 5",
                "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0",
                "UPDATE busy SET extra = 1 WHERE id <= 10",
                "INSERT INTO busy VALUES (1002, 'after the ddl', 2)"),
            "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0",
            "ALTER TABLE \"public\".\"busy\" ADD COLUMN \"extra\" integer",
            "INSERT INTO busy VALUES (1003, 'after the resume', 3); UPDATE busy SET extra = 4 WHERE id = 1001",
            separateTransactions);

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Stream_DropColumnBetweenWrites_StopsWithTheStatement_ResumesAfterTheSameDdlOnTarget(bool separateTransactions) =>
        DdlThenResumeAsync(
            "CREATE TABLE busy (id int PRIMARY KEY, v text, x text); INSERT INTO busy SELECT g, 'copied', 'x' || g FROM generate_series(1, 200) g",
            Statements(separateTransactions,
                "INSERT INTO busy VALUES (1001, 'before the ddl', 'doomed')",
                "UPDATE busy SET v = 'updated before', x = 'changed' WHERE id <= 5",
                "DELETE FROM busy WHERE id = 200",
                "ALTER TABLE busy DROP COLUMN x",
                "UPDATE busy SET v = 'updated after' WHERE id <= 10",
                "INSERT INTO busy VALUES (1002, 'after the ddl')"),
            "ALTER TABLE busy DROP COLUMN x",
            "ALTER TABLE \"public\".\"busy\" DROP COLUMN \"x\"",
            "INSERT INTO busy VALUES (1003, 'after the resume'); UPDATE busy SET v = 'resumed' WHERE id = 1001",
            separateTransactions);

    [SkippableFact]
    public async Task Stream_ColumnAddedOnTargetFirst_KeepsStreaming_ThroughTheSourceDdl()
    {
        await using var scenario = await RelayScenario.StartAsync();
        scenario.CaptureDdl = false;
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 200) g", "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);

        // The fix made before the change: the target has a column with a default that the source does not send yet.
        await scenario.Target.ExecuteAsync("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0", "shop");
        await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (1001, 'before'); UPDATE busy SET v = 'touched' WHERE id <= 5", "shop");
        await run.WaitCaughtUpAsync();
        await scenario.Source.ExecuteAsync(Statements(false,
            "INSERT INTO busy VALUES (1002, 'before the ddl')",
            "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0",
            "UPDATE busy SET extra = 1 WHERE id <= 10",
            "INSERT INTO busy VALUES (1003, 'after the ddl', 3)"), "shop");

        var caughtUp = await run.WaitCaughtUpAsync();
        Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await run.CutoverAsync();
    }

    /// <summary>The statements as one call: one implicit transaction, or each in its own.</summary>
    private static string Statements(bool separateTransactions, params string[] statements) => separateTransactions
        ? string.Join("\n", statements.Select(s => $"BEGIN; {s}; COMMIT;"))
        : string.Join(";\n", statements);

    private static async Task DdlThenResumeAsync(string schema, string changes, string targetDdl, string expectedFix, string afterResume, bool separateTransactions)
    {
        await using var scenario = await RelayScenario.StartAsync();
        scenario.CaptureDdl = false;
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(schema + "; CREATE TABLE ticks (id bigserial PRIMARY KEY, note text)", "shop");
        string migrationId;
        await using var trickle = new Trickle(scenario.Source, "shop");
        await using (var first = await RelayRun.StartSyncingAsync(scenario))
        {
            migrationId = first.Runner.Id;
            trickle.Start();
            await trickle.WaitForAsync(20);

            await scenario.Source.ExecuteAsync(changes, "shop");
            // shop stops alone (the postgres database keeps streaming); disposing the run detaches it.
            var failed = await first.WaitDatabaseFailedAsync("shop");
            var shop = failed.Databases.Single(d => d.Name == "shop");
            Assert.Equal(DatabasePhase.Failed, shop.Phase);
            Assert.NotNull(failed.Error);
            Assert.Contains("\"public\".\"busy\"", failed.Error, StringComparison.Ordinal);
            Assert.Contains($"Run on the target, in database shop: {expectedFix}", failed.Error, StringComparison.Ordinal);
            Assert.Contains("the same change as on the source", failed.Error, StringComparison.Ordinal);
            Assert.Contains("then pgmove start", failed.Error, StringComparison.Ordinal);
        }

        // Stopped exactly before the transaction that needs the new shape: a write committed on its own before the
        // DDL is on the target already; in one transaction with the DDL, none of it is.
        Assert.Equal(separateTransactions ? 1 : 0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1001", "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1002", "shop"));

        await scenario.Target.ExecuteAsync(targetDdl, "shop");
        await using var resumed = await RelayRun.StartSyncingAsync(scenario);
        Assert.Equal(migrationId, resumed.Runner.Id);
        await scenario.Source.ExecuteAsync(afterResume, "shop");
        var ticks = trickle.Count;
        await trickle.WaitForAsync(ticks + 20); // the other table still streams, and keeps taking writes
        await trickle.StopAsync();

        await resumed.WaitCaughtUpAsync();
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(trickle.Count, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM ticks", "shop"));
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1003", "shop"));
        await resumed.CutoverAsync();
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
