using System.Diagnostics;
using Npgsql;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using Xunit.Abstractions;

namespace PgMove.Tests.Faults;

/// <summary>
/// One migration under random faults: pgmove runs as a child process behind a fault-injecting proxy to each
/// server while pgbench and a second writer load the source; faults are drawn from a seeded random source
/// (kill -9 of pgmove in whatever phase it is, connections dropped, stalled or half-closed on either side,
/// fast and immediate restarts of either server), then the migration is cut over (sometimes killed in the
/// middle of the cutover and cut over again) and verified: pgmove verify, an independent row comparison,
/// and no slot or publication left on the source.
/// </summary>
internal sealed class FaultRound(Random random, FaultTally tally, ITestOutputHelper log)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static readonly string[] Kinds =
    [
        "kill -9 pgmove", "kill -9 pgmove", "kill -9 pgmove",
        "drop source connections", "drop target connections",
        "stall source", "stall target",
        "half-close source", "half-close target",
        "source restart fast", "source restart immediate",
        "target restart fast", "target restart immediate",
    ];

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Faults injected before the cutover.</summary>
    public int Faults { get; init; } = 5;

    /// <summary>Faults in a fixed order (phase aimed at, kind) instead of drawn at random; the delays stay random.</summary>
    public IReadOnlyList<(string Aim, string Kind)>? Plan { get; init; }

    /// <summary>Whether pgmove is killed during the cutover; null draws it at random.</summary>
    public bool? KillDuringCutover { get; init; }

    /// <summary>pgbench scale of database bank (100 000 accounts per unit).</summary>
    public int Scale { get; init; } = 2;

    public async Task RunAsync()
    {
        await using var scenario = await RelayScenario.StartAsync();
        await PrepareSourceAsync(scenario.Source);
        var sourceProxy = new TcpProxy(scenario.Source.Port);
        var targetProxy = new TcpProxy(scenario.Target.Port);
        try
        {
            await RunAsync(scenario, sourceProxy, targetProxy);
        }
        finally
        {
            // A failed round may leave the migration active: it is stopped through the proxies its state names.
            await scenario.StopLeftoverMigrationAsync();
            await sourceProxy.DisposeAsync();
            await targetProxy.DisposeAsync();
        }
        await VerifyAsync(scenario);
    }

    private async Task RunAsync(RelayScenario scenario, TcpProxy sourceProxy, TcpProxy targetProxy)
    {
        var environment = PgMoveProcess.Environment(sourceProxy.Port, targetProxy.Port);
        string[] start = ["start", "--state", scenario.StatePath, "--jobs", "2"];

        using var load = new CancellationTokenSource();
        var writers = Task.WhenAll(PgbenchLoopAsync(scenario.Source, load.Token), ShopWriterAsync(scenario.Source, load.Token));
        var runner = PgMoveProcess.Start(environment, start);
        try
        {
            var count = Plan?.Count ?? Faults;
            for (var i = 0; i < count; i++)
            {
                // Each fault aims at a phase drawn at random: it waits until the migration gets there (a fault that
                // restarts pgmove sends it back to preflight), then strikes after a random delay.
                var aim = Plan?[i].Aim ?? Phases[random.Next(Phases.Length)];
                var delay = random.Next(0, 2000);
                runner = await ReachPhaseAsync(scenario, runner, environment, start, aim);
                await Task.Delay(delay);
                runner = await EnsureRunningAsync(scenario, runner, environment, start);
                var kind = Plan?[i].Kind ?? Kinds[random.Next(Kinds.Length)];
                var phase = Phase(scenario);
                Note($"fault {i + 1}: {kind} [{phase}]");
                switch (kind)
                {
                    case "kill -9 pgmove":
                        await runner.KillAsync();
                        await runner.DisposeAsync();
                        tally.Count($"kill -9 pgmove [{phase}]");
                        await Task.Delay(random.Next(0, 1500));
                        runner = PgMoveProcess.Start(environment, start);
                        continue;
                    case "drop source connections":
                        sourceProxy.DropAll();
                        break;
                    case "drop target connections":
                        targetProxy.DropAll();
                        break;
                    case "stall source":
                        await sourceProxy.StallAsync(TimeSpan.FromMilliseconds(random.Next(1000, 6000)));
                        break;
                    case "stall target":
                        await targetProxy.StallAsync(TimeSpan.FromMilliseconds(random.Next(1000, 6000)));
                        break;
                    case "half-close source":
                        sourceProxy.HalfCloseAll();
                        break;
                    case "half-close target":
                        targetProxy.HalfCloseAll();
                        break;
                    case "source restart fast":
                        await scenario.Source.RestartAsync(immediate: false);
                        break;
                    case "source restart immediate":
                        await scenario.Source.RestartAsync(immediate: true);
                        break;
                    case "target restart fast":
                        await scenario.Target.RestartAsync(immediate: false);
                        break;
                    case "target restart immediate":
                        await scenario.Target.RestartAsync(immediate: true);
                        break;
                }
                tally.Count(kind);
            }

            await load.CancelAsync();
            await writers;
            runner = await WaitSyncingAsync(scenario, runner, environment, start);
            await CutOverAsync(scenario, runner, environment);
        }
        finally
        {
            await load.CancelAsync();
            await runner.DisposeAsync();
        }
    }

    private async Task CutOverAsync(RelayScenario scenario, PgMoveProcess runner, Dictionary<string, string> environment)
    {
        string[] cutover = ["cutover", "--state", scenario.StatePath];
        if (KillDuringCutover ?? random.Next(2) == 0)
        {
            // kill -9 in the middle of the cutover, then cut over again from a fresh process (no runner left: it resumes and cuts over itself).
            await using (var request = PgMoveProcess.Start(environment, cutover))
            {
                await Task.Delay(random.Next(0, 2500));
                var phase = Phase(scenario);
                await runner.KillAsync();
                await request.KillAsync();
                tally.Count($"kill -9 pgmove [cutover, {phase}]");
                Note($"kill -9 during cutover [{phase}]");
            }
            var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, cutover);
            Assert.True(code == 0, $"cutover after kill -9 failed ({code}):\n{output}\n{RelayScenario.Describe(scenario.Latest())}");
        }
        else
        {
            var (code, output) = await PgMoveProcess.RunAsync(environment, Timeout, cutover);
            Assert.True(code == 0, $"cutover failed ({code}):\n{output}\n{runner.Output}");
            using var wait = new CancellationTokenSource(Timeout);
            await runner.WaitForExitAsync(wait.Token);
        }
        var done = scenario.Latest();
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
    }

    private async Task VerifyAsync(RelayScenario scenario)
    {
        var direct = PgMoveProcess.Environment(scenario.Source.Port, scenario.Target.Port);
        var (code, output) = await PgMoveProcess.RunAsync(direct, Timeout, "verify");
        if (code != 0)
            tally.Differences++;
        Assert.True(code == 0, $"pgmove verify found differences:\n{output}");
        foreach (var database in new[] { "bank", "shop" })
            await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, database);
        Assert.Equal(
            await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "bank"),
            await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "bank"));
        var leftovers = await SourceHygiene.FindLeftoversAsync(scenario.Source);
        tally.OrphanedSlots += leftovers.Count;
        Assert.True(leftovers.Count == 0, string.Join(", ", leftovers));
        tally.MigrationsVerified++;
        Note($"verified: {(await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "bank"))} history rows, {output.Trim().Split('\n')[^1]}");
    }

    private static readonly string[] Phases = ["preflight", "roles/schema", "copy", "post-data", "streaming", "streaming"];

    private static int Rank(string phase) => phase switch
    {
        "preflight" => 0,
        "roles/schema" => 1,
        "copy" => 2,
        "post-data" => 3,
        _ => 4,
    };

    /// <summary>Waits (at most a minute) until the migration is in <paramref name="aim"/> or past it.</summary>
    private async Task<PgMoveProcess> ReachPhaseAsync(RelayScenario scenario, PgMoveProcess runner, Dictionary<string, string> environment, string[] start, string aim)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(1) && Rank(Phase(scenario)) < Rank(aim))
        {
            runner = await EnsureRunningAsync(scenario, runner, environment, start);
            await Task.Delay(50);
        }
        return runner;
    }

    /// <summary>The runner may have ended by itself (status error after a fault): say so, and resume it as a user would.</summary>
    private async Task<PgMoveProcess> EnsureRunningAsync(RelayScenario scenario, PgMoveProcess runner, Dictionary<string, string> environment, string[] start)
    {
        if (!runner.HasExited)
            return runner;
        var record = TryLatest(scenario);
        tally.ErrorsResumed++;
        var lines = runner.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = Array.FindIndex(lines, l => l.Contains("Unhandled", StringComparison.Ordinal) || l.StartsWith("error", StringComparison.Ordinal));
        var tail = string.Join(" | ", first >= 0 ? lines.Skip(first).Take(8) : lines.TakeLast(3));
        tally.Notes.Add($"pgmove exited {runner.ExitCode} after a fault: {RelayScenario.Describe(record)} {tail}");
        Note($"pgmove exited {runner.ExitCode}: {RelayScenario.Describe(record)} {tail}; resuming");
        await runner.DisposeAsync();
        await Task.Delay(1000);
        return PgMoveProcess.Start(environment, start);
    }

    private async Task<PgMoveProcess> WaitSyncingAsync(RelayScenario scenario, PgMoveProcess runner, Dictionary<string, string> environment, string[] start)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            runner = await EnsureRunningAsync(scenario, runner, environment, start);
            var record = TryLatest(scenario);
            if (record is { Status: MigrationStatus.Syncing } && record.RunnerPid == runner.Id
                && record.Databases.All(d => d.Phase == DatabasePhase.Streaming))
                return runner;
            await Task.Delay(250);
        }
        throw new TimeoutException($"not syncing after {Timeout}: {RelayScenario.Describe(TryLatest(scenario))}\n{runner.Output}");
    }

    /// <summary>Where the migration stands, from the store: preflight, roles/schema, copy, post-data, streaming, reconnecting.</summary>
    private static string Phase(RelayScenario scenario)
    {
        var record = TryLatest(scenario);
        if (record is null)
            return "preflight";
        if (record.Databases.Count == 0 || record.Databases.All(d => d.Phase == DatabasePhase.Pending))
            return "roles/schema";
        if (record.Databases.Any(d => d.Phase == DatabasePhase.Reconnecting))
            return "reconnecting";
        if (record.Databases.All(d => d.CopyDone))
            return "streaming";
        var copying = record.Databases.Where(d => !d.CopyDone).ToList();
        if (copying.All(d => d.TablesTotal == 0))
            return "roles/schema";
        return copying.Any(d => d.TablesDone < d.TablesTotal) ? "copy" : "post-data";
    }

    private static MigrationRecord? TryLatest(RelayScenario scenario)
    {
        try
        {
            return scenario.Latest();
        }
        catch (Exception)
        {
            return null;
        }
    }

    private async Task PrepareSourceAsync(PgCluster source)
    {
        await source.ExecuteAsync("CREATE DATABASE bank");
        await source.ExecuteAsync("CREATE DATABASE shop");
        await Pgbench.InitAsync(source, "bank", Scale);
        await source.ExecuteAsync("""
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE);
            CREATE TABLE items (id bigserial PRIMARY KEY, customer int REFERENCES customers, price numeric(12,2), tags text[], note text, created timestamptz DEFAULT now());
            CREATE INDEX ON items (customer); CREATE INDEX ON items (price); CREATE INDEX ON items (created);
            INSERT INTO customers SELECT g, 'name ' || g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
            INSERT INTO items (customer, price, tags, note) SELECT 1 + g % 5000, g % 1000 / 10.0, ARRAY['a' || g % 7, 'b'], repeat('n', g % 300) FROM generate_series(1, 30000) g;
            CREATE TABLE keyless (a int, b text); ALTER TABLE keyless REPLICA IDENTITY FULL;
            INSERT INTO keyless SELECT g % 100, 'k' FROM generate_series(1, 2000) g;
            """, "shop");
    }

    private static async Task PgbenchLoopAsync(PgCluster source, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Pgbench.LoadAsync(source, "bank", seconds: 20, clients: 2, ct);
            }
            catch (InvalidOperationException)
            {
                // pgbench could not connect (the source is restarting): try again.
            }
            await Task.Delay(500, CancellationToken.None);
        }
    }

    /// <summary>Inserts, updates and deletes in database shop (keyed and keyless tables) until cancelled; a restarting source is waited for.</summary>
    private static async Task ShopWriterAsync(PgCluster source, CancellationToken ct)
    {
        var random = new Random(7);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await source.OpenAsync("shop", CancellationToken.None);
                while (!ct.IsCancellationRequested)
                {
                    await using var command = new NpgsqlCommand(
                        $"INSERT INTO items (customer, price, note) VALUES ({random.Next(1, 5001)}, {random.Next(1, 100000)} / 100.0, 'live');" +
                        $"UPDATE items SET price = price + 1, tags = tags || 'u'::text WHERE id = {random.Next(1, 30000)};" +
                        $"DELETE FROM items WHERE id = {random.Next(1, 30000)};" +
                        $"UPDATE keyless SET b = b || 'x' WHERE ctid = (SELECT ctid FROM keyless WHERE a = {random.Next(0, 100)} LIMIT 1);" +
                        $"INSERT INTO keyless VALUES ({random.Next(0, 100)}, 'new')", connection);
                    await command.ExecuteNonQueryAsync(CancellationToken.None);
                    await Task.Delay(20, CancellationToken.None);
                }
            }
            catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
            {
                await Task.Delay(300, CancellationToken.None);
            }
        }
    }

    private void Note(string text)
    {
        try
        {
            log.WriteLine($"{_clock.Elapsed.TotalSeconds,7:N1}s {text}");
        }
        catch (InvalidOperationException)
        {
            // No test is running any more (the soak's summary outlives it).
        }
    }
}
