using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Subscription;

/// <summary>
/// kill -9 of every pgmove process in the middle of a subscription cutover, as soon as its slots are gone from the
/// source, then pgmove cutover again: it finishes on the data already there, never dropping, recreating or
/// copying a target database.
/// </summary>
public sealed class SubscriptionCutoverCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <param name="killWhen">
    /// "slots-gone": as soon as no pgmove slot is left on the source (the issue's case); "finishing": as soon as the
    /// store records the cutover as finishing, before anything is checked or dropped.
    /// </param>
    [SkippableTheory]
    [InlineData("slots-gone")]
    [InlineData("finishing")]
    public async Task Cutover_KilledMidway_RerunFinishesWithoutRecreatingOrCopying(string killWhen)
    {
        await using var scenario = await RelayScenario.StartAsync();
        await SubscriptionMigration.CreateBankAsync(scenario.Source);
        var environment = scenario.CliEnvironment();

        await using var start = PgMoveProcess.Start(environment, "start", "--method", "subscription", "--state", scenario.StatePath);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing && r.RunnerPid == start.Id, Timeout);
        await scenario.Source.ExecuteAsync(
            "UPDATE pgbench_accounts SET abalance = abalance + aid WHERE aid % 7 = 0; INSERT INTO notes (aid, body) SELECT g, 'while syncing' FROM generate_series(1, 300) g", "bank");
        await SubscriptionMigration.WaitAppliedAsync(scenario);
        // The slot's confirmed position was seen ahead of the rows in one run in two (the UPDATE applied by the
        // subscription just after): wait for the rows themselves, so that "before" below really is after them.
        const string Applied = "SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts) || '/' || (SELECT count(*) FROM notes)";
        var expected = await scenario.Source.ScalarAsync<string>(Applied, "bank");
        var appliedBy = DateTimeOffset.UtcNow + Timeout;
        while (await scenario.Target.ScalarAsync<string>(Applied, "bank") != expected)
        {
            Assert.True(DateTimeOffset.UtcNow < appliedBy, $"The target never held the source's rows ({expected}): " + RelayScenario.Describe(scenario.Latest()));
            await Task.Delay(100);
        }
        var oids = await DatabaseOidsAsync(scenario.Target);
        // Every row the target holds now was written before this transaction id: a copy would write them again.
        var before = await scenario.Target.ScalarAsync<long>("SELECT txid_current()", "bank");

        // The cutover runs in the start process (the live runner); both die as soon as the moment is seen. The kill
        // may land at any step after that, the cutover may even have finished: the re-run must cope with each.
        await using (var cutover = PgMoveProcess.Start(environment, "cutover", "--state", scenario.StatePath))
        {
            var deadline = DateTimeOffset.UtcNow + Timeout;
            while (!await ReachedAsync(scenario, killWhen))
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"The cutover never reached {killWhen}: " + RelayScenario.Describe(scenario.Latest()) + "\n" + cutover.Output + start.Output);
                Assert.False(start.HasExited && cutover.HasExited, $"Both pgmove processes ended before {killWhen}: " + cutover.Output + start.Output);
                await Task.Delay(10);
            }
            await cutover.KillAsync();
            await start.KillAsync();
        }
        // Where the kill landed, for the messages below.
        var killed = scenario.Latest();
        var landed = $"killed with the migration {killed.Status}, request {killed.Request ?? "none"}, " +
                     $"{await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pg_publication", "bank")} publication(s) left in bank";

        var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(code == 0, landed + "\n" + output);
        var record = scenario.Latest();
        Assert.True(record.Status == MigrationStatus.Done, landed + "\n" + RelayScenario.Describe(record) + "\n" + output);
        Assert.Equal(oids, await DatabaseOidsAsync(scenario.Target));
        Assert.True(0 == await scenario.Target.ScalarAsync<long>(
            $"SELECT count(*) FROM pgbench_accounts WHERE xmin::text::bigint >= {before}", "bank"), landed + "\n" + output);
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>($"SELECT count(*) FROM notes WHERE xmin::text::bigint >= {before}", "bank"));
        await SubscriptionMigration.AssertBankEqualAsync(scenario);
        await SubscriptionMigration.AssertNothingLeftAsync(scenario);

        // And once more: a retry is an answer.
        var (again, answer) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(again == 0, answer);
        Assert.Contains("already cut over", answer, StringComparison.Ordinal);
    }

    private static async Task<bool> ReachedAsync(RelayScenario scenario, string killWhen)
    {
        if (killWhen == "finishing")
        {
            var record = scenario.Latest();
            return MigrationControl.IsCutoverFinishing(record.Request) || !record.IsActive;
        }
        return await scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'") == 0;
    }

    private static async Task<List<string>> DatabaseOidsAsync(PgCluster target) =>
        await target.ColumnAsync("SELECT datname || ' ' || oid FROM pg_database WHERE NOT datistemplate ORDER BY 1");
}
