using PgMove.Core.Catalog;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// Database, table and column names with quotes, semicolons (SQL that must stay a name), unicode, and the
/// longest names PostgreSQL allows (63 bytes, ASCII and multi-byte): copied, streamed and cut over intact.
/// </summary>
public sealed class RelayOddNamesTests
{
    private static readonly string[] Databases =
    [
        "we\"ird'db",
        "semi;colon; DROP DATABASE postgres; --",
        "ünïcødé-данные-数据",
        new string('l', 63),
        string.Concat(Enumerable.Repeat("数", 21)), // 63 bytes in UTF-8
    ];

    private static readonly string[] Tables =
    [
        "ta\"ble'quote",
        "semi;colon); DROP TABLE x; --",
        "ünï-表",
        new string('t', 63),
    ];

    [SkippableFact]
    public async Task Start_QuotesSemicolonsUnicodeAnd63ByteNames_CopiesStreamsAndCutsOverIntact()
    {
        await using var scenario = await RelayScenario.StartAsync();
        foreach (var database in Databases)
        {
            await scenario.Source.ExecuteAsync($"CREATE DATABASE {Identifiers.Quote(database)}");
            foreach (var table in Tables)
            {
                var t = Identifiers.Quote(table);
                await scenario.Source.ExecuteAsync(
                    $"CREATE TABLE {t} (\"id;\" int PRIMARY KEY, \"välue \"\"q\"\"\" text); " +
                    $"INSERT INTO {t} SELECT g, 'row ' || g FROM generate_series(1, 50) g", database);
            }
        }
        Assert.Equal(63, System.Text.Encoding.UTF8.GetByteCount(Databases[4]));

        await using var run = await RelayRun.StartSyncingAsync(scenario, TimeSpan.FromMinutes(2));
        foreach (var database in Databases)
        {
            foreach (var table in Tables)
            {
                var t = Identifiers.Quote(table);
                await scenario.Source.ExecuteAsync(
                    $"INSERT INTO {t} VALUES (51, 'streamed'); UPDATE {t} SET \"välue \"\"q\"\"\" = 'changed;'' --' WHERE \"id;\" = 7; DELETE FROM {t} WHERE \"id;\" = 9", database);
            }
        }
        await run.WaitCaughtUpAsync(TimeSpan.FromMinutes(1));
        await run.CutoverAsync(TimeSpan.FromMinutes(2));

        var onTarget = await scenario.Target.ColumnAsync("SELECT datname FROM pg_database");
        foreach (var database in Databases)
        {
            Assert.Contains(database, onTarget);
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, database);
            Assert.Equal(50, await scenario.Target.ScalarAsync<int>($"SELECT count(*) FROM {Identifiers.Quote(Tables[1])}", database));
        }
        Assert.Contains("postgres", onTarget);
        Assert.Equal(MigrationStatus.Done, scenario.Latest().Status);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
