using PgMove.Core.Catalog;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// Changes made on the source while a relay migration streams (15 → 17, in process): each kind of change must
/// reach the target exactly, checked with the test's own data oracle once the lag is 0 and again after cutover.
/// </summary>
public sealed class RelayChangeTests
{
    /// <summary>
    /// Every kind of change in <see cref="StreamedChanges"/> (TRUNCATE, keyless tables with REPLICA IDENTITY FULL,
    /// unchanged TOAST values, key changes, many types and NULLs, partitions, hostile names, identity and generated
    /// columns) and of <see cref="MergedApplyChanges"/> (many changes to the same rows, a swap of unique values) rides
    /// on one migration, one database each: one pair of clusters, one copy and one cutover instead of one per kind.
    /// A failure names the broken case. Once they are caught up and checked, a conflicting write on the target stops
    /// one more database, which resumes once the write is undone (formerly
    /// Stream_ConflictingWriteOnTarget_StopsWithTheApplyErrorThenResumesOnceUndone); the resumed run cuts over.
    /// </summary>
    [SkippableFact]
    public async Task Stream_EachKindOfChange_ArrivesExactly_CaughtUpAndAfterCutover_ConflictingWriteOnTargetStopsThenResumesOnceUndone()
    {
        const string conflict = "conflict";
        var cases = StreamedChanges.All().Concat(MergedApplyChanges.All()).ToList();
        // One slot and WAL sender per database, the postgres database too: more than the default 10 could leave.
        await using var scenario = await RelayScenario.StartAsync(
            new ClusterOptions { Major = 15, MaxReplicationSlots = 20, MaxWalSenders = 20 },
            new ClusterOptions { Major = 17, MaxReplicationSlots = 20, MaxWalSenders = 20 });
        foreach (var change in cases)
        {
            await scenario.Source.ExecuteAsync($"CREATE DATABASE {Identifiers.Quote(change.Database)}");
            await scenario.Source.ExecuteAsync(change.Seed, change.Database);
        }
        await scenario.Source.ExecuteAsync($"CREATE DATABASE {conflict}");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'copied' FROM generate_series(1, 100) g", conflict);

        await using (var first = await RelayRun.StartSyncingAsync(scenario))
        {
            await EachCase.CheckAsync(cases, "while making the changes", change => change.ChangeAsync(scenario));

            await first.WaitCaughtUpAsync();
            await EachCase.CheckAsync(cases, "once caught up", change => change.CompareThenAsync(scenario, change.CaughtUpAsync));

            // Someone writes to the target; the source then writes the same key.
            await scenario.Target.ExecuteAsync("INSERT INTO t VALUES (101, 'written on the target')", conflict);
            await scenario.Source.ExecuteAsync("INSERT INTO t VALUES (101, 'streamed')", conflict);
            var failed = await first.WaitDatabaseFailedAsync(conflict);

            // The apply error itself is reported (not an error of the clean-up that followed it).
            Assert.Contains("duplicate key", failed.Error, StringComparison.Ordinal);
            Assert.Contains("23505", failed.Error, StringComparison.Ordinal);
            Assert.Contains("undo that write", failed.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("NotSupportedException", failed.Error, StringComparison.Ordinal);
        }

        await scenario.Target.ExecuteAsync("DELETE FROM t WHERE id = 101", conflict);
        await using var resumed = await RelayRun.StartSyncingAsync(scenario);
        await resumed.WaitCaughtUpAsync();
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, conflict);

        await resumed.CutoverAsync();
        await EachCase.CheckAsync(cases, "after cutover", change => change.CompareThenAsync(scenario, change.AfterCutoverAsync));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, conflict);
        Assert.Equal(["streamed"], await scenario.Target.ColumnAsync("SELECT v FROM t WHERE id = 101", conflict));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
