using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>A source, a target and a state file for one continuous-migration test; all removed at the end.</summary>
internal sealed class RelayScenario : IAsyncDisposable
{
    private RelayScenario(PgCluster source, PgCluster target)
    {
        Source = source;
        Target = target;
        StateDirectory = Directory.CreateTempSubdirectory("pgmove-state-").FullName;
    }

    public PgCluster Source { get; }

    public PgCluster Target { get; }

    public string StateDirectory { get; }

    public string StatePath => Path.Combine(StateDirectory, "state.db");

    public static async Task<RelayScenario> StartAsync(ClusterOptions? source = null, ClusterOptions? target = null)
    {
        var pair = await PgCluster.StartPairAsync(source ?? new ClusterOptions { Major = 15 }, target ?? new ClusterOptions { Major = 17 });
        return new RelayScenario(pair.Source, pair.Target);
    }

    /// <summary>Whether runs started from this scenario install the DDL capture (off: the detection of a changed table alone).</summary>
    public bool CaptureDdl { get; set; } = true;

    public MigrationOptions Options(Func<MigrationOptions, MigrationOptions>? configure = null)
    {
        var options = new MigrationOptions { Source = Source.Spec(), Target = Target.Spec(), Jobs = 2, CaptureDdl = CaptureDdl };
        return configure?.Invoke(options) ?? options;
    }

    /// <summary>Starts the runner in this process; returns it and the task that ends with the migration.</summary>
    public async Task<(MigrationRunner Runner, Task<MigrationRecord> Run)> RunAsync(MigrationOptions options, CancellationToken ct)
    {
        var store = MigrationStore.Open(StatePath);
        var runner = await MigrationRunner.CreateOrResumeAsync(store, options, ct);
        var run = Task.Run(async () =>
        {
            try
            {
                return await runner.RunAsync(ct);
            }
            finally
            {
                store.Dispose();
            }
        }, CancellationToken.None);
        return (runner, run);
    }

    public MigrationRecord Latest()
    {
        using var store = MigrationStore.Open(StatePath);
        return store.Latest() ?? throw new InvalidOperationException("No migration in the store.");
    }

    /// <summary>The environment a pgmove child process needs to reach both servers.</summary>
    public Dictionary<string, string> CliEnvironment() => PgMoveProcess.Environment(Source.Port, Target.Port);

    public void Request(string request)
    {
        using var store = MigrationStore.Open(StatePath);
        store.SetRequest(Latest().Id, request);
    }

    public async Task<MigrationRecord> WaitForAsync(Func<MigrationRecord, bool> condition, TimeSpan timeout, Task? runner = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            MigrationRecord? record = null;
            try
            {
                record = Latest();
            }
            catch (InvalidOperationException)
            {
                // Not created yet.
            }
            if (record is not null && condition(record))
                return record;
            if (runner is { IsCompleted: true })
            {
                await runner; // surface its exception
                throw new InvalidOperationException($"The runner ended first; last state: {Describe(record)}");
            }
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"Condition not reached in {timeout}; last state: {Describe(record)}\nSource log:\n{Source.ReadLog()}\nTarget log:\n{Target.ReadLog()}");
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Waits for a lag measurement taken after this call in which every database streams with 0 bytes of lag:
    /// everything committed on the source before the call is then applied on the target. The runner may be in
    /// this process (<paramref name="runner"/>, whose failure ends the wait) or in another.
    /// </summary>
    public Task<MigrationRecord> WaitCaughtUpAsync(TimeSpan timeout, Task? runner = null)
    {
        // The supervisor measures, then saves with a heartbeat: a heartbeat this late comes from a later measurement.
        var after = DateTimeOffset.UtcNow.AddSeconds(1.2);
        return WaitForAsync(
            r => r.RunnerHeartbeat > after && r.Databases.All(d => d.Phase == DatabasePhase.Streaming && d.LagBytes == 0),
            timeout, runner);
    }

    /// <summary>
    /// The distinct successive phases of one database as the store shows them (with the error while reconnecting),
    /// polled every 100 ms until <paramref name="ct"/> is cancelled.
    /// </summary>
    public async Task<List<string>> WatchPhasesAsync(string database, CancellationToken ct)
    {
        var seen = new List<string>();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var run = Latest().Databases.SingleOrDefault(d => d.Name == database);
                var phase = run is null ? "?" : run.Phase == DatabasePhase.Reconnecting ? $"{run.Phase} ({run.LastError})" : run.Phase.ToString();
                if (seen.Count == 0 || seen[^1] != phase)
                    seen.Add(phase);
            }
            catch (Exception)
            {
                // Not created yet, or being written: read again.
            }
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return seen;
    }

    public static string Describe(MigrationRecord? record) => record is null
        ? "(none)"
        : $"{record.Status} {record.Error} {record.Result} " + string.Join("; ", record.Databases.Select(d => $"{d.Name}:{d.Phase} copy={d.CopyDone} lag={d.LagBytes} err={d.LastError}"));

    /// <summary>
    /// A migration the test left active (detached) or failed keeps its slots by design: stop it, so that the
    /// clusters' leftover check only fails tests where PgMove itself leaked (after stop, cutover or a failure before any copy).
    /// When something is left all the same, the migration's last state and the stop's error are added to the report.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var stop = await StopLeftoverMigrationAsync();
        try
        {
            await Task.WhenAll(Source.DisposeAsync().AsTask(), Target.DisposeAsync().AsTask());
        }
        catch (LeftoverReplicationObjectsException leak)
        {
            throw new LeftoverReplicationObjectsException($"{leak.Message}\nThe migration: {stop}");
        }
        finally
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    /// <summary>Stops the latest migration if it is active or failed; returns what it found and did (for reports).</summary>
    public async Task<string> StopLeftoverMigrationAsync()
    {
        string found = "(none)";
        try
        {
            using var store = MigrationStore.Open(StatePath);
            if (store.Latest() is { } latest)
            {
                found = Describe(latest);
                if (latest.IsActive || latest.Status == MigrationStatus.Error)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    var stopped = await MigrationControl.StopAsync(store, latest.Id, timeout.Token);
                    return $"{found}; stopped at the end of the test: {Describe(stopped)}";
                }
            }
            return found;
        }
        catch (Exception error)
        {
            return $"{found}; stopping it at the end of the test failed: {error.GetType().Name}: {error.Message}";
        }
    }
}
