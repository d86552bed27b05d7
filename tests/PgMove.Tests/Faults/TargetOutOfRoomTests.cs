using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Faults;

/// <summary>
/// The target runs out of room for one table (its tablespace sits on a 1 MB filesystem): the migration fails with
/// an error naming the table and the cause, nothing of that database is believed copied, and once the
/// filesystem is enlarged pgmove start resumes and the migration ends identical.
/// </summary>
public sealed class TargetOutOfRoomTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task Copy_TargetTablespaceFull_ErrorNamesTableNothingBelievedCopiedThenResumes()
    {
        await using var tiny = await TinyFilesystem.TryMountAsync(megabytes: 1);
        Skip.If(tiny is null, "mount -t tmpfs is not allowed here (needs root).");
        await using var scenario = await RelayScenario.StartAsync();
        var sourceSpace = Path.Combine(scenario.Source.Root, "space");
        Directory.CreateDirectory(sourceSpace);
        PostgresUser.Chown(sourceSpace);
        await scenario.Source.ExecuteAsync($"CREATE TABLESPACE tiny LOCATION '{sourceSpace}'");
        await scenario.Target.ExecuteAsync($"CREATE TABLESPACE tiny LOCATION '{tiny.Path}'");
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("""
            CREATE TABLE small (id int PRIMARY KEY, name text);
            INSERT INTO small SELECT g, 'n' || g FROM generate_series(1, 1000) g;
            CREATE TABLE big (id int PRIMARY KEY, pad text) TABLESPACE tiny;
            INSERT INTO big SELECT g, repeat('p', 100) FROM generate_series(1, 50000) g;
            """, "shop");

        MigrationRecord failed;
        await using (var first = await RelayRun.StartAsync(scenario))
            failed = await first.WaitDatabaseFailedAsync("shop", Timeout); // shop stops alone; disposing detaches
        Assert.Contains("table \"public\".\"big\"", failed.Error, StringComparison.Ordinal);
        Assert.Contains("No space left on device", failed.Error, StringComparison.Ordinal);
        Assert.Contains("disk space", failed.Fix + failed.Error, StringComparison.Ordinal);
        var shop = failed.Databases.Single(d => d.Name == "shop");
        Assert.False(shop.CopyDone, "shop must not be believed copied");
        // The failed table's COPY was rolled back whole: no row of it is on the target.
        var partial = await scenario.Target.ColumnAsync("SELECT datname FROM pg_database WHERE datname = 'shop'");
        if (partial.Count == 1)
            Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_class WHERE relname = 'big' AND reltuples > 0", "shop"));

        await tiny.ResizeAsync(megabytes: 64);
        await using var resumed = await RelayRun.StartSyncingAsync(scenario, Timeout);
        await scenario.Source.ExecuteAsync("INSERT INTO big SELECT g, 'streamed' FROM generate_series(50001, 50100) g", "shop");
        await resumed.CutoverAsync(Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(50100, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM big", "shop"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
