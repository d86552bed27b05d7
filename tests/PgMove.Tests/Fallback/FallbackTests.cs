using System.Globalization;
using System.Text.RegularExpressions;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.State;
using PgMove.Tests.Cutover;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Fallback;

/// <summary>
/// <c>pgmove cutover --fallback</c>, <c>pgmove fallback</c> and <c>pgmove finish</c> on real servers (15 → 17) and a real
/// PgBouncer: the old server follows the new one after the switch, so going back loses no write.
/// </summary>
public sealed partial class FallbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Fallback_PgbenchThroughPgBouncerAndPgmoveKilledMeanwhile_BackOnTheSourceWithEveryTransactionThenCutoverWithoutSwitchMakesTheTargetWritable()
    {
        await using var setup = await SwitchCutoverTests.Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        await using var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        var forwardId = (await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout)).Id;
        // pgbench writes through the switches while it lasts; the steps below never wait for it (on a slow machine it may
        // end early): the test's own writes through PgBouncer are what each step waits for.
        var load = Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "4", "-R", Pgbench.Rate, "-T", "30", "app"]);
        await WaitForAsync(async () => await History(scenario.Source) > 100);

        var (exit, output) = await setup.CutoverAsync("--fallback");

        Assert.True(exit == 0, output);
        Assert.Equal(scenario.Target.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        var reverse = await WaitForRecordAsync(scenario, store => FallbackPair.ReverseOf(store, store.Get(forwardId)!),
            r => r.Status == MigrationStatus.Syncing && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        Assert.Equal(MigrationStatus.Done, Record(scenario, forwardId).Status);
        // pgbench goes on writing to the 17, and the 15 (still read-only for everyone else) follows it.
        var onTargetAtCutover = await History(scenario.Target);
        await WriteThroughPgBouncerAsync(setup);
        await WaitForAsync(async () => await History(scenario.Source) >= onTargetAtCutover + 100);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => scenario.Source.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 0)", "app"));
        var (_, status) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--json", "--state", scenario.StatePath);
        Assert.Matches(@"""fallback"": \{\s*""active"": true", status);
        Assert.Contains(@"""status"": ""done""", status, StringComparison.Ordinal);

        // kill -9 of the process that runs the fallback stream while it applies; pgbench (on the 17) does not notice.
        await start.KillAsync();
        var atKill = await History(scenario.Target);
        await WriteThroughPgBouncerAsync(setup);
        // pgmove start resumes the fallback stream (it is what runs after a cutover with fallback).
        await using var restarted = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath);
        var resumedAt = DateTimeOffset.UtcNow;
        await WaitForRecordAsync(scenario, store => store.Get(reverse.Id),
            r => r.RunnerPid == restarted.Id && r.RunnerHeartbeat > resumedAt && r.Databases.All(d => d.Phase == DatabasePhase.Streaming));
        await WaitForAsync(async () => await History(scenario.Source) >= atKill + 100);

        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "fallback", "--state", scenario.StatePath, "--pgbouncer", setup.AdminConninfo);

        Assert.True(exit == 0, output);
        Assert.Contains("Fell back", output, StringComparison.Ordinal);
        Assert.Equal(scenario.Source.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        // pgbench writes to the 15 again after the fallback, and the 15 holds every transaction counted, once.
        var loads = new[] { await load, await Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "2", "-t", "25", "app"]) };
        foreach (var (benchExit, bench) in loads)
        {
            Assert.True(benchExit == 0, bench);
            Assert.Matches(@"number of failed transactions: 0\b", bench);
        }
        var processed = 2 * 100 + loads.Sum(l => long.Parse(ProcessedPattern().Match(l.Output).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(processed, await History(scenario.Source));
        Assert.True(await scenario.Source.ScalarAsync<bool>("SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)", "app"));
        Assert.Equal(MigrationStatus.Done, Record(scenario, reverse.Id).Status);

        // The migration is syncing again: the 17 follows the 15, and verify finds both the same once it caught up.
        var after = DateTimeOffset.UtcNow.AddSeconds(1.2);
        await WaitForRecordAsync(scenario, store => store.Get(forwardId),
            r => r.Status == MigrationStatus.Syncing && r.RunnerHeartbeat > after && r.Databases.All(d => d.Phase == DatabasePhase.Streaming && d.LagBytes == 0));
        Assert.Equal(processed, await History(scenario.Target));
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "verify", "--ignore-db", "postgres");
        Assert.True(exit == 0, output);

        // The 17 stays read-only after the fallback (it follows the 15); the next cutover, even one without a switch,
        // makes it writable again.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => scenario.Target.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 0)", "app"));
        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "cutover", "--state", scenario.StatePath);
        Assert.True(exit == 0, output);
        var cutOver = Record(scenario, forwardId);
        Assert.Equal(MigrationStatus.Done, cutOver.Status);
        Assert.Contains("The target databases app, read-only since the fallback, are writable again.", cutOver.Result, StringComparison.Ordinal);
        await scenario.Target.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 0)", "app");

        (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "stop", "--state", scenario.StatePath);
        Assert.True(exit == 0, output);
        Assert.Contains("already done", output, StringComparison.Ordinal);
        using (var exited = new CancellationTokenSource(Timeout))
            await restarted.WaitForExitAsync(exited.Token);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        await SourceHygiene.AssertCleanAsync(scenario.Target);
    }

    /// <summary>100 rows of pgbench_history (delta 0) written as the applications write: through PgBouncer, to whichever server it leads.</summary>
    private static Task WriteThroughPgBouncerAsync(SwitchCutoverTests.Setup setup) =>
        setup.Bouncer.ScalarAsync<long>("app", "WITH w AS (INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 0, now() FROM generate_series(1, 100) g RETURNING 1) SELECT count(*) FROM w");

    internal static Task<long> History(PgCluster cluster) => cluster.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app");

    internal static MigrationRecord Record(Migrations.RelayScenario scenario, string id)
    {
        using var store = MigrationStore.Open(scenario.StatePath);
        return store.Get(id)!;
    }

    /// <summary>
    /// A stream back as a failed undo leaves it (<see cref="ReverseStreamSetup.UndoAsync"/>): in error, its slot and
    /// publication still on the new server, made between the migration and <paramref name="newer"/>.
    /// </summary>
    internal static async Task<MigrationRecord> AddFailedEarlierStreamAsync(Migrations.RelayScenario scenario, string forwardId, MigrationRecord newer)
    {
        using var store = MigrationStore.Open(scenario.StatePath);
        var forward = store.Get(forwardId)!;
        Assert.True(newer.CreatedAt > forward.CreatedAt, $"{newer.CreatedAt:o} after {forward.CreatedAt:o}");
        var id = Guid.NewGuid().ToString();
        var oid = await scenario.Target.ScalarAsync<long>("SELECT oid::bigint FROM pg_database WHERE datname = 'app'");
        var at = forward.CreatedAt + (newer.CreatedAt - forward.CreatedAt) / 2;
        var failed = new MigrationRecord
        {
            Id = id,
            Method = MigrationMethod.Fallback,
            Status = MigrationStatus.Error,
            CreatedAt = at,
            UpdatedAt = at,
            Source = newer.Source,
            Target = newer.Target,
            IgnoreDatabases = newer.IgnoreDatabases,
            Databases = [new DatabaseRecord { Name = "app", CopyDone = true, Slot = ReplicationNames.Slot(id, oid), Publication = ReplicationNames.Publication(id) }],
            Error = "the switch was rolled back; The fallback's slot and publication in database app on the target may remain.",
            Fix = "Run pgmove finish once the target is reachable: it drops them.",
        };
        var (newServer, oldServer) = store.ReadSecrets(newer.Id);
        store.Create(failed, newServer, oldServer);
        store.Update(failed);
        await StreamStart.CreateAsync(newServer, "target", "app", failed.Databases[0].Slot!, failed.Databases[0].Publication!, CancellationToken.None);
        Assert.Contains(failed.Databases[0].Slot!, await scenario.Target.ColumnAsync("SELECT slot_name FROM pg_replication_slots"));
        return failed;
    }

    /// <summary>Polls the record <paramref name="find"/> picks until it satisfies <paramref name="condition"/>.</summary>
    internal static async Task<MigrationRecord> WaitForRecordAsync(Migrations.RelayScenario scenario, Func<IMigrationStore, MigrationRecord?> find, Func<MigrationRecord, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            MigrationRecord? record;
            using (var store = MigrationStore.Open(scenario.StatePath))
                record = find(store);
            if (record is not null && condition(record))
                return record;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Condition not reached in {Timeout}; last state: {Migrations.RelayScenario.Describe(record)}");
            await Task.Delay(250);
        }
    }

    /// <param name="describe">What to report when the deadline passes (the migration's state, say).</param>
    internal static async Task WaitForAsync(Func<Task<bool>> condition, Func<string>? describe = null)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"the condition did not hold within the deadline {describe?.Invoke()}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();
}
