using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// ADD COLUMN with a computed default on a table with rows, carried by the relay's DDL capture (15 → 17): the
/// existing rows' value is computed on each side and never streamed. A stable default (now(), a setting read by a
/// stable function) gives the target the source's value; a volatile default on an empty table streams on; a
/// volatile default on a table with rows stops the database naming statement, table and column, and the stream
/// resumes once the user has made the change on the target with the source's values.
/// </summary>
public sealed class RelayDdlAddedColumnTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private const string Schema =
        "CREATE TABLE stamped (id int PRIMARY KEY, v text); INSERT INTO stamped SELECT g, 'copied' FROM generate_series(1, 100) g; " +
        "CREATE TABLE fresh (id int PRIMARY KEY)";

    [SkippableFact]
    public async Task Stream_AddColumnWithComputedDefault_SameValuesOnBothSides_VolatileOnRowsStopsNamingTheColumn()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(Schema, "shop");
        const string volatileDdl = "ALTER TABLE stamped ADD COLUMN token uuid DEFAULT gen_random_uuid()";
        await using (var first = await RelayRun.StartSyncingAsync(scenario))
        {
            // Stable defaults: computed once per side. The setting exists only in the source's session, so the
            // target would compute NULL where the source has 'source'.
            await scenario.Source.ExecuteAsync(
                "SET pgmove_test.tag = 'source'; " +
                "ALTER TABLE stamped ADD COLUMN at timestamptz DEFAULT now(), ADD COLUMN tag text DEFAULT current_setting('pgmove_test.tag', true), ADD COLUMN n int DEFAULT 7",
                "shop");
            await scenario.Source.ExecuteAsync("INSERT INTO stamped (id, v) VALUES (101, 'after the alter')", "shop");
            // A volatile default on an empty table: nothing to differ; the new rows' values are streamed.
            await scenario.Source.ExecuteAsync("ALTER TABLE fresh ADD COLUMN u uuid DEFAULT gen_random_uuid(); INSERT INTO fresh (id) VALUES (1), (2)", "shop");
            var caughtUp = await first.WaitCaughtUpAsync(Timeout);
            Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
            Assert.Equal(100, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM stamped WHERE tag = 'source' AND id <= 100", "shop"));
            Assert.Equal(1, await scenario.Target.ScalarAsync<long>("SELECT count(DISTINCT at) FROM stamped WHERE id <= 100", "shop"));

            // A volatile default on a table with rows: each source row got its own value.
            await scenario.Source.ExecuteAsync(volatileDdl, "shop");
            await scenario.Source.ExecuteAsync("INSERT INTO stamped (id, v) VALUES (102, 'after the volatile alter')", "shop");
            var failed = await first.WaitDatabaseFailedAsync("shop", Timeout);
            Assert.Contains(volatileDdl, failed.Error, StringComparison.Ordinal);
            Assert.Contains("column \"token\" to table public.stamped", failed.Error, StringComparison.Ordinal);
            Assert.Contains("volatile", failed.Error, StringComparison.Ordinal);
            Assert.Contains("copy that column's values from the source", failed.Error + failed.Fix, StringComparison.Ordinal);
        }
        // Stopped before that transaction: the column is not on the target, the row after it not applied.
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'stamped' AND column_name = 'token'", "shop"));
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM stamped WHERE id = 102", "shop"));

        // The fix by hand: the column on the target with the source's values for the rows that existed.
        await scenario.Target.ExecuteAsync(volatileDdl, "shop");
        var values = new List<string>();
        await using (var source = await scenario.Source.OpenAsync("shop"))
        await using (var read = new Npgsql.NpgsqlCommand("SELECT id, token FROM stamped WHERE id <= 101", source))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                values.Add($"({reader.GetInt32(0)}, '{reader.GetGuid(1)}'::uuid)");
        }
        await scenario.Target.ExecuteAsync($"UPDATE stamped SET token = v.token FROM (VALUES {string.Join(", ", values)}) AS v(id, token) WHERE stamped.id = v.id", "shop");
        await using var resumed = await RelayRun.StartSyncingAsync(scenario);
        var resumedCaughtUp = await resumed.WaitCaughtUpAsync(Timeout);
        Assert.True(resumedCaughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(resumedCaughtUp));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM _pgmove.ddl_held", "shop"));
    }
}
