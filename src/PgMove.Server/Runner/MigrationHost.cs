using System.Collections.Concurrent;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;
using PgMove.Server.Api;
using PgMove.Server.Configuration;
using PgMove.Server.Operations;

namespace PgMove.Server.Runner;

/// <summary>
/// Runs migrations in the background of the service with the same engine as <c>pgmove start</c>. At start it
/// resumes the active migrations of its clusters that no live process runs; at shutdown it detaches them
/// (slots stay, the next start resumes). Stop and cutover go through the store's request column, as from the CLI.
/// With a shared PostgreSQL store, the node runs only the migrations it leases: it renews their leases and, every
/// third of a lease, takes over the active migrations whose lease is free or expired (a node detached or died).
/// </summary>
public sealed class MigrationHost(ServiceSettings settings, StoreAccess stores, ILogger<MigrationHost> logger) : IHostedService
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, HostedRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _clusterGates = new();
    private readonly CancellationTokenSource _shutdown = new();
    private Task _resuming = Task.CompletedTask;

    /// <summary>
    /// Migrations this process is running now. A run goes on with the other record of a fallback pair (a cutover with
    /// fallback, a fallback): the record it runs now, not the one it started with.
    /// </summary>
    public IReadOnlyCollection<string> Running => _runs.Values.Where(r => !r.Task.IsCompleted).Select(r => r.Runner.CurrentId).ToList();

    /// <summary>The run of this process that runs <paramref name="id"/> now, if any.</summary>
    private HostedRun? RunOf(string id) => _runs.Values.FirstOrDefault(r => !r.Task.IsCompleted && r.Runner.CurrentId == id);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _resuming = Task.Run(() => stores.IsShared ? LeaseLoopAsync(_shutdown.Token) : ResumeAllAsync(_shutdown.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        await _resuming;
        foreach (var run in _runs.Values)
            await run.Detach.CancelAsync();
        foreach (var (id, run) in _runs)
        {
            try
            {
                await run.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                ServiceLog.MigrationDetached(logger, id);
            }
            catch (Exception error) when (error is TimeoutException or PgMoveException)
            {
                ServiceLog.MigrationFailed(logger, id, error.Message);
            }
        }
    }

    /// <summary>Runs the preflight and starts a migration from <paramref name="request"/> into the cluster.</summary>
    /// <exception cref="ClusterBusyException">A migration into the cluster is already active.</exception>
    /// <exception cref="PgMove.Core.Copy.PreflightFailedException">A check failed; nothing was created.</exception>
    public async Task<MigrationRecord> StartMigrationAsync(ManagedCluster cluster, MigrationRequest request, CancellationToken ct)
    {
        var gate = _clusterGates.GetOrAdd(cluster.Uuid, _ => new SemaphoreSlim(1));
        await gate.WaitAsync(ct);
        try
        {
            if (stores.ForCluster(cluster).FirstOrDefault(r => r.IsActive) is { } active)
                throw new ClusterBusyException(cluster.Name, active.Id, MigrationStore.Name(active.Status));
            var options = Options(request.Source, cluster.Target, request.IgnoreDatabases) with { Method = request.Method, CaptureDdl = request.CaptureDdl, ApplyDdl = request.ApplyDdl };
            var record = await LaunchAsync(options, ct);
            ServiceLog.MigrationStarted(logger, record.Id, cluster.Name, request.Source.ToString(), request.IgnoreDatabases.Count);
            return record;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops a migration (drops its slots and publications, keeps the data) and waits for <c>canceled</c>.</summary>
    public async Task<MigrationRecord> StopMigrationAsync(string id, CancellationToken ct)
    {
        if (RunOf(id) is { } run)
        {
            stores.Read(store => { store.SetRequest(id, "stop"); return 0; });
            var stopped = await run.Task.WaitAsync(StopTimeout, ct);
            ServiceLog.MigrationStopped(logger, id, MigrationStore.Name(stopped.Status));
            return stopped;
        }
        using var store = stores.Open();
        var record = await MigrationControl.StopAsync(store, id, ct);
        ServiceLog.MigrationStopped(logger, id, MigrationStore.Name(record.Status));
        return record;
    }

    /// <summary>
    /// Asks for a cutover (with the switch's settings, kept sealed in the store for the runner, or none); a migration no
    /// process runs is resumed here and cuts over once in sync.
    /// </summary>
    public async Task RequestCutoverAsync(MigrationRecord record, bool freezeSource, SwitchSettings? switchSettings, CancellationToken ct)
    {
        stores.Read(store =>
        {
            // Read again: the switch's check took a while, and a switch may have started meanwhile.
            MigrationControl.LeaveCutoverRequest(store, store.Get(record.Id) ?? record, freezeSource, switchSettings);
            return 0;
        });
        ServiceLog.CutoverRequested(logger, record.Id, switchSettings?.ToString() ?? "none");
        if (RunOf(record.Id) is null && !MigrationControl.HasLiveRunner(record))
            await ResumeAsync(record, ct);
    }

    private async Task ResumeAllAsync(CancellationToken ct)
    {
        IReadOnlyList<MigrationRecord> records;
        try
        {
            records = stores.Read(store => store.All());
        }
        catch (Exception error) when (error is PgMoveException or IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            ServiceLog.ResumeFailed(logger, "(store)", error.Message);
            return;
        }
        foreach (var record in records.Where(r => r.IsActive && (settings.ClusterOf(r) is not null || IsFallbackOfOurs(r))))
        {
            if (ct.IsCancellationRequested)
                return;
            if (RunOf(record.Id) is not null)
                continue;
            if (MigrationControl.HasLiveRunner(record) && record.RunnerPid != Environment.ProcessId)
                continue; // another pgmove process runs it
            if (record.Method == MigrationMethod.Fallback && stores.Read(store => MigrationControl.AwaitsItsMigration(store, record)))
                continue; // made just before its migration's cutover paused: that cutover, resumed with the migration, ends first
            try
            {
                await ResumeAsync(record, ct);
            }
            catch (Exception error) when (error is PgMoveException or OperationCanceledException)
            {
                ServiceLog.ResumeFailed(logger, record.Id, error.Message);
            }
        }
    }

    /// <summary>
    /// The shared store's loop: renew this node's leases (detaching a run whose lease another node took), then lease
    /// and resume every free active migration into our clusters, every third of the lease.
    /// </summary>
    private async Task LeaseLoopAsync(CancellationToken ct)
    {
        var shared = settings.SharedStore!.Options;
        var targets = settings.Clusters.Select(c => c.Target.ToString()).ToList();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var store = stores.OpenShared();
                var (current, pairs) = Leased(store);
                var held = store.RenewLeases(current.Keys.Concat(pairs).ToList());
                foreach (var (id, run) in current)
                {
                    // Not renewed: another node holds it now (ours expired while this node was stalled), or the run just let it go.
                    if (!held.Contains(id) && !run.Task.IsCompleted && store.Get(id)?.LeaseOwner is { } owner && owner != shared.NodeId)
                    {
                        ServiceLog.LeaseLost(logger, id, shared.NodeId);
                        await run.Detach.CancelAsync();
                    }
                }
                while (!ct.IsCancellationRequested && store.ClaimNext(targets) is { } record)
                {
                    // The other record of a pair one of our runs is running: that run goes on with it (leased here now, renewed above).
                    if (pairs.Contains(record.Id))
                        continue;
                    ServiceLog.MigrationTakenOver(logger, record.Id, shared.NodeId);
                    try
                    {
                        await ResumeAsync(record, ct);
                    }
                    catch (Exception error) when (error is PgMoveException)
                    {
                        ServiceLog.ResumeFailed(logger, record.Id, error.Message);
                    }
                }
            }
            catch (PgMoveException error)
            {
                ServiceLog.ResumeFailed(logger, "(store)", error.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(shared.Lease / 3, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// What this node leases: the record each of its runs runs now, and the other record of each one's fallback pair,
    /// which the run goes on with when the record it runs is cut over (a cutover with fallback, a fallback): leased here
    /// meanwhile, so that no other run, here or on another node, takes it up.
    /// </summary>
    private (Dictionary<string, HostedRun> Current, HashSet<string> Pairs) Leased(PostgresMigrationStore store)
    {
        var current = new Dictionary<string, HostedRun>(StringComparer.Ordinal);
        var pairs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in _runs.Values.Where(r => !r.Task.IsCompleted))
        {
            var id = run.Runner.CurrentId;
            current[id] = run;
            if (store.Get(id) is { } record && Core.Fallback.FallbackPair.Counterpart(store, record) is { } other)
                pairs.Add(other.Id);
        }
        pairs.ExceptWith(current.Keys);
        return (current, pairs);
    }

    private void ReleaseQuietly(PostgresMigrationStore store, string id)
    {
        try
        {
            store.ReleaseLease(id);
        }
        catch (PgMoveException error)
        {
            ServiceLog.LeaseNotReleased(logger, id, error.Message);
        }
    }

    /// <summary>The fallback stream of a migration into one of our clusters (its own target is the old server, no cluster of ours).</summary>
    private bool IsFallbackOfOurs(MigrationRecord record) =>
        record.Method == MigrationMethod.Fallback && stores.Read(store => Core.Fallback.FallbackPair.ForwardOf(store, record)) is { } forward && settings.ClusterOf(forward) is not null;

    private async Task ResumeAsync(MigrationRecord record, CancellationToken ct)
    {
        var (source, target) = stores.Read(store => store.ReadSecrets(record.Id));
        await LaunchAsync(Options(source, target, record.IgnoreDatabases), ct);
        ServiceLog.MigrationResumed(logger, record.Id, MigrationStore.Name(record.Status));
    }

    private MigrationOptions Options(Core.Connections.ConnectionSpec source, Core.Connections.ConnectionSpec target, IReadOnlyList<string> ignore) => new()
    {
        Source = source,
        Target = target,
        IgnoreDatabases = ignore,
        Jobs = settings.Jobs,
        PgBinDirectory = settings.PgBinDirectory,
        Clock = settings.Clock,
    };

    /// <summary>Creates or resumes the migration (preflight included) and runs it in the background.</summary>
    private async Task<MigrationRecord> LaunchAsync(MigrationOptions options, CancellationToken ct)
    {
        var store = stores.Open();
        MigrationRunner runner;
        try
        {
            runner = await MigrationRunner.CreateOrResumeAsync(store, options, ct);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        // A migration handed over to its stream back (cut over with fallback, or a fallback under way) may find that
        // stream already run here: resumed first at a restart (the newest record comes first). One run of it only.
        if (RunOf(runner.Id) is { } running || _runs.TryGetValue(runner.Id, out running) && !running.Task.IsCompleted)
        {
            store.Dispose();
            return running.Runner.Snapshot;
        }
        var detach = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var task = Task.Run(async () =>
        {
            await started.Task;
            try
            {
                var final = await runner.RunAsync(detach.Token);
                ServiceLog.MigrationEnded(logger, final.Id, MigrationStore.Name(final.Status), final.Error ?? final.Result ?? "");
                return final;
            }
            catch (Exception error)
            {
                // The engine reports what it expects in the record; anything else must not leave the migration "running".
                ServiceLog.MigrationFailed(logger, runner.Id, error.Message);
                var failed = runner.Snapshot with { Status = MigrationStatus.Error, Error = $"unexpected failure: {error.Message}", Fix = "Look at the service log; resume it with a cutover request or stop it.", RunnerPid = null };
                store.Update(failed);
                return failed;
            }
            finally
            {
                // Detached, finished or failed: let another node take it at once rather than after the lease.
                if (store is PostgresMigrationStore shared)
                {
                    ReleaseQuietly(shared, runner.Id);
                    if (runner.CurrentId != runner.Id)
                        ReleaseQuietly(shared, runner.CurrentId);
                }
                store.Dispose();
                _runs.TryRemove(runner.Id, out _);
            }
        }, CancellationToken.None);
        _runs[runner.Id] = new HostedRun(runner, task, detach);
        started.SetResult();
        return runner.Snapshot;
    }
}
