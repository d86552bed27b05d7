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
/// <remarks>
/// The cases ride on one migration, one database each (a database's failure stops that database only): the four
/// stop-and-resume cases (a column added or dropped, the writes around the DDL in one transaction or each in its
/// own) stop side by side and resume together, with a column added on the source that the next insert uses (the
/// error names the table and the fix, formerly a test of RelayChangeTests), and the case whose target was changed
/// first streams on beside them.
/// Each was a test of its own; every check is kept, per database, and a failure names its case.
/// </remarks>
public sealed class RelayDdlResumeTests
{
    private const string TargetFirst = "target_first";

    /// <summary>Formerly RelayChangeTests.Stream_ColumnAddedOnSource_StopsWithErrorNamingTableAndFix_ThenResumesAfterTargetDdl.</summary>
    private const string AddedColumn = "added_column";

    /// <summary>One database whose stream stops at a DDL and resumes once the same DDL ran on the target.</summary>
    private sealed record StopCase(string Database, string Schema, string Changes, string TargetDdl, string ExpectedFix, string AfterResume, bool SeparateTransactions)
    {
        /// <summary>Writes to another table of the database throughout.</summary>
        public Trickle Trickle { get; init; } = null!;

        public override string ToString() => Database;
    }

    private static IEnumerable<StopCase> StopCases() =>
        new[] { false, true }.SelectMany(separate => new[] { AddColumn(separate), DropColumn(separate) });

    /// <summary>Formerly Stream_AddColumnBetweenWrites_StopsWithTheStatement_ResumesAfterTheSameDdlOnTarget(separateTransactions).</summary>
    private static StopCase AddColumn(bool separateTransactions) => new(
        separateTransactions ? "add_column_separate_tx" : "add_column_one_tx",
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

    /// <summary>Formerly Stream_DropColumnBetweenWrites_StopsWithTheStatement_ResumesAfterTheSameDdlOnTarget(separateTransactions).</summary>
    private static StopCase DropColumn(bool separateTransactions) => new(
        separateTransactions ? "drop_column_separate_tx" : "drop_column_one_tx",
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
    public async Task Stream_AddOrDropColumnBetweenWrites_StopsWithTheStatement_ResumesAfterTheSameDdlOnTarget_AndColumnAddedOnTargetFirstKeepsStreaming()
    {
        await using var scenario = await RelayScenario.StartAsync();
        scenario.CaptureDdl = false;
        var cases = new List<StopCase>();
        foreach (var blueprint in StopCases())
        {
            await scenario.Source.ExecuteAsync($"CREATE DATABASE {blueprint.Database}");
            await scenario.Source.ExecuteAsync(blueprint.Schema + "; CREATE TABLE ticks (id bigserial PRIMARY KEY, note text)", blueprint.Database);
            cases.Add(blueprint with { Trickle = new Trickle(scenario.Source, blueprint.Database) });
        }
        await scenario.Source.ExecuteAsync($"CREATE DATABASE {TargetFirst}");
        await scenario.Source.ExecuteAsync("CREATE TABLE busy (id int PRIMARY KEY, v text); INSERT INTO busy SELECT g, 'copied' FROM generate_series(1, 200) g", TargetFirst);
        await scenario.Source.ExecuteAsync($"CREATE DATABASE {AddedColumn}");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'copied' FROM generate_series(1, 100) g", AddedColumn);
        try
        {
            await StopAndResumeAsync(scenario, cases);
        }
        finally
        {
            foreach (var c in cases)
                await c.Trickle.DisposeAsync();
        }
    }

    private static async Task StopAndResumeAsync(RelayScenario scenario, List<StopCase> cases)
    {
        string migrationId;
        await using (var first = await RelayRun.StartSyncingAsync(scenario))
        {
            migrationId = first.Runner.Id;
            await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (101, 'streamed')", AddedColumn); // caught up with the waits below

            // Formerly Stream_ColumnAddedOnTargetFirst_KeepsStreaming_ThroughTheSourceDdl: the fix made before the
            // change (the target has a column with a default that the source does not send yet), then the source's DDL.
            await scenario.Target.ExecuteAsync("ALTER TABLE busy ADD COLUMN extra int DEFAULT 0", TargetFirst);
            await scenario.Source.ExecuteAsync("INSERT INTO busy VALUES (1001, 'before'); UPDATE busy SET v = 'touched' WHERE id <= 5", TargetFirst);
            await first.WaitCaughtUpAsync();
            await scenario.Source.ExecuteAsync(Statements(false,
                "INSERT INTO busy VALUES (1002, 'before the ddl')",
                "ALTER TABLE busy ADD COLUMN extra int DEFAULT 0",
                "UPDATE busy SET extra = 1 WHERE id <= 10",
                "INSERT INTO busy VALUES (1003, 'after the ddl', 3)"), TargetFirst);
            var caughtUp = await first.WaitCaughtUpAsync(); // every database, target_first included, streams with no lag
            Assert.True(caughtUp.Status == MigrationStatus.Syncing, $"{TargetFirst}: {RelayScenario.Describe(caughtUp)}");
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, TargetFirst);

            // The trickles start after those waits: a wait for no lag in every database would seldom find four of them at rest.
            foreach (var c in cases)
                c.Trickle.Start();
            foreach (var c in cases)
                await c.Trickle.WaitForAsync(20);
            foreach (var c in cases)
                await scenario.Source.ExecuteAsync(c.Changes, c.Database);
            await scenario.Source.ExecuteAsync("ALTER TABLE t ADD COLUMN extra int", AddedColumn);
            await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (102, 'uses extra', 42)", AddedColumn);
            // Each case's database stops alone (target_first and postgres keep streaming); disposing the run detaches it.
            var stopping = cases.Select(c => c.Database).Append(AddedColumn).ToList();
            var failed = await scenario.WaitForAsync(
                // The record's error, which names every stopped database, written since the last of them stopped.
                r => r.Error is not null && stopping.All(name => r.Databases.Any(d => d.Name == name && d.Phase == DatabasePhase.Failed
                    && d.LastError is not null && r.Error.Contains(d.LastError, StringComparison.Ordinal))),
                RelayRun.DefaultTimeout, first.Task);
            Assert.True(failed.Databases.Single(d => d.Name == TargetFirst).Phase == DatabasePhase.Streaming, RelayScenario.Describe(failed));
            Assert.NotEqual(MigrationStatus.Syncing, failed.Status);
            Assert.False(first.Task.IsCompleted);
            Assert.Equal(DatabasePhase.Streaming, failed.Databases.Single(d => d.Name == "postgres").Phase);
            // added_column's own error (message and fix), as the record's error names it.
            var added = failed.Databases.Single(d => d.Name == AddedColumn).LastError!;
            Assert.Contains(added, failed.Error, StringComparison.Ordinal);
            Assert.Contains("\"public\".\"t\"", added, StringComparison.Ordinal);
            Assert.Contains("extra", added, StringComparison.Ordinal);
            Assert.Contains("the same change as on the source", added, StringComparison.Ordinal);
            Assert.Contains("pgmove start", added, StringComparison.Ordinal);
            await EachCase.CheckAsync(cases, "when stopped", c =>
            {
                Assert.Equal(DatabasePhase.Failed, failed.Databases.Single(d => d.Name == c.Database).Phase);
                Assert.NotNull(failed.Error);
                Assert.Contains("\"public\".\"busy\"", failed.Error, StringComparison.Ordinal);
                Assert.Contains($"Run on the target, in database {c.Database}: {c.ExpectedFix}", failed.Error, StringComparison.Ordinal);
                Assert.Contains("the same change as on the source", failed.Error, StringComparison.Ordinal);
                Assert.Contains("then pgmove start", failed.Error, StringComparison.Ordinal);
                return Task.CompletedTask;
            });
        }

        // Stopped exactly before the transaction that needs the new shape: a write committed on its own before the
        // DDL is on the target already; in one transaction with the DDL, none of it is.
        await EachCase.CheckAsync(cases, "after the stop", async c =>
        {
            Assert.Equal(c.SeparateTransactions ? 1 : 0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1001", c.Database));
            Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1002", c.Database));
        });
        // added_column: nothing diverged silently, and the slots stay so that the migration can resume.
        Assert.Equal(101, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM t", AddedColumn));
        Assert.NotEmpty(await scenario.Source.ColumnAsync("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'"));
        await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (103, 'while failed', 43); UPDATE t SET extra = id WHERE id <= 10", AddedColumn);

        foreach (var c in cases)
            await scenario.Target.ExecuteAsync(c.TargetDdl, c.Database);
        await scenario.Target.ExecuteAsync("ALTER TABLE t ADD COLUMN extra int", AddedColumn);
        await using var resumed = await RelayRun.StartSyncingAsync(scenario);
        Assert.Equal(migrationId, resumed.Runner.Id);
        foreach (var c in cases)
            await scenario.Source.ExecuteAsync(c.AfterResume, c.Database);
        await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (104, 'after resume', 44)", AddedColumn);
        foreach (var c in cases)
            await c.Trickle.WaitForAsync(c.Trickle.Count + 20); // the other table still streams, and keeps taking writes
        foreach (var c in cases)
            await c.Trickle.StopAsync();

        await resumed.WaitCaughtUpAsync();
        await EachCase.CheckAsync(cases, "once caught up after the resume", async c =>
        {
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, c.Database);
            Assert.Equal(c.Trickle.Count, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM ticks", c.Database));
            Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM busy WHERE id = 1003", c.Database));
        });
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, AddedColumn);
        await resumed.CutoverAsync();
        await EachCase.CheckAsync(cases.Select(c => c.Database).Append(TargetFirst).Append(AddedColumn), "after cutover",
            database => DataComparer.AssertSameAsync(scenario.Source, scenario.Target, database));
        Assert.Equal(["42", "43", "44"], await scenario.Target.ColumnAsync("SELECT extra FROM t WHERE id > 101 ORDER BY id", AddedColumn));
        Assert.Equal(10, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM t WHERE extra = id", AddedColumn));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>The statements as one call: one implicit transaction, or each in its own.</summary>
    private static string Statements(bool separateTransactions, params string[] statements) => separateTransactions
        ? string.Join("\n", statements.Select(s => $"BEGIN; {s}; COMMIT;"))
        : string.Join(";\n", statements);
}
