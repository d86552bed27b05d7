using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Copy;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Preflight;
using PgMove.Core.Replication;
using PgMove.Core.Schema;
using PgMove.Core.State;

namespace PgMove.Core.Migrations;

/// <summary>
/// Runs a continuous (relay) migration: per database a publication and a slot whose exported snapshot the
/// copy engine copies, then the slot's changes applied to the target until a stop or a cutover is asked
/// (here, from another process through the store, or by the limits). Cancelling the token detaches:
/// everything stays in place and <c>pgmove start</c> resumes it.
/// </summary>
public sealed partial class MigrationRunner
{
    private readonly IMigrationStore _store;
    private readonly MigrationOptions _options;
    private readonly CopyProgress _copyProgress = new();
    private readonly List<DatabaseRun> _runs = [];
    private MigrationRecord _record;
    private PgToolset? _tools;

    private readonly ILogger _logger;

    private MigrationRunner(IMigrationStore store, MigrationOptions options, MigrationRecord record)
    {
        _store = store;
        _options = options;
        _record = record;
        _logger = options.LoggerFactory.CreateLogger("PgMove.Migrations");
    }

    public string Id => _record.Id;

    /// <summary>The record run now: <see cref="Id"/>, or after a hand-over in <see cref="RunAsync"/> the one handed over to.</summary>
    public string CurrentId => _next?.CurrentId ?? Id;

    public CopyProgress CopyProgress => _copyProgress;

    /// <summary>The latest state, as the store has it.</summary>
    public MigrationRecord Snapshot => _next?.Snapshot ?? _subscription?.Snapshot ?? _record with { Databases = _runs.Select(r => r.ToRecord()).ToList() };

    /// <summary>The runner this one handed over to: the fallback stream after a cutover with fallback, the migration again after a fallback.</summary>
    private MigrationRunner? _next;

    /// <summary>Set when the migration uses the subscription method: that runner does the work.</summary>
    private Subscription.SubscriptionRunner? _subscription;

    /// <summary>
    /// Resumes the active migration between this source and target, or runs the preflight and creates a new one.
    /// Throws <see cref="PreflightFailedException"/> when a check fails: nothing is created then.
    /// </summary>
    public static async Task<MigrationRunner> CreateOrResumeAsync(IMigrationStore store, MigrationOptions options, CancellationToken ct)
    {
        var existing = store.Latest(options.Source.ToString(), options.Target.ToString());
        // Cut over with fallback: what runs now is the stream back from the target, which this start resumes. Also when the
        // migration is syncing again, for a fallback interrupted before its resume: its switch must end first (recovered by
        // the stream's runner), after which the stream's run goes on with the migration. Not while the migration's own
        // cutover is unfinished (a process killed during its switch, after the stream was made): that cutover ends
        // first, here, rolling the stream back with its switch or completing both.
        if (existing is not null && !MigrationControl.CutoverUnfinished(existing) && Fallback.FallbackPair.ReverseOf(store, existing) is { } reverse && MigrationControl.Resumable(reverse))
        {
            var (reverseSource, reverseTarget) = store.ReadSecrets(reverse.Id);
            return await CreateOrResumeAsync(store, options with { Source = reverseSource, Target = reverseTarget, IgnoreDatabases = [] }, ct);
        }
        var resumable = existing is { IsActive: true } || existing is { Status: MigrationStatus.Error } && existing.Databases.Count > 0;
        if (options.ApplyDdl && !(resumable && existing!.Method == MigrationMethod.Subscription))
            throw new UsageException("usage.apply_ddl", resumable
                    ? $"--apply-ddl is for the subscription method; migration {existing!.Id} uses the relay method, which carries DDL itself."
                    : "--apply-ddl resumes a subscription migration between these servers, and there is none to resume: nothing was started.",
                resumable
                    ? "Run pgmove start without --apply-ddl; a DDL the relay cannot repeat is named in the error with its fix."
                    : "Run pgmove status to see the migrations; start a new one without --apply-ddl.");
        if (resumable && existing is not null)
        {
            // A resumed migration keeps the databases it was started with: a resume without --ignore-db must not
            // add the ignored ones, and a different list would leave the migration half one, half the other.
            if (options.IgnoreDatabases.Count > 0 && !existing.IgnoreDatabases.ToHashSet(StringComparer.Ordinal).SetEquals(options.IgnoreDatabases))
                throw new PgMoveException("migration.ignore_list_differs",
                    $"Migration {existing.Id} between these servers was started ignoring {DescribeIgnored(existing.IgnoreDatabases)}, not {DescribeIgnored(options.IgnoreDatabases)}.",
                    "Run pgmove start without --ignore-db to resume it as it was started, or pgmove stop it and start a new migration with the new list.");
            // Turning the capture off half-way would leave the databases copied so far with it and the rest without;
            // a resume without the option keeps the migration's own choice.
            if (!options.CaptureDdl && existing.CaptureDdl && existing.Method == MigrationMethod.Relay)
                throw new PgMoveException("migration.ddl_capture_differs",
                    $"Migration {existing.Id} between these servers was started with the DDL capture; --no-ddl-capture applies to a new migration only.",
                    "Run pgmove start without --no-ddl-capture to resume it as it was started, or pgmove stop it and start a new migration with --no-ddl-capture.");
            if (!store.TryClaim(existing))
                throw new PgMoveException("migration.already_running", $"Migration {existing.Id} is already being run by {(existing.LeaseOwner is { } node ? $"service node {node}" : $"process {existing.RunnerPid}")}.",
                    "Use pgmove status, stop or cutover from this terminal; or end that process first.");
            // Its limits are the ones it was started with, save those given to this run (kept for the runs after it).
            return new MigrationRunner(store, options with { CaptureDdl = existing.CaptureDdl },
                existing with { Status = MigrationStatus.Running, Error = null, Fix = null, Limits = existing.Limits.With(options) });
        }

        var report = await PreflightRunner.RunAsync(new PreflightOptions
        {
            Source = options.Source,
            Target = options.Target,
            Method = options.Method,
            IgnoreDatabases = options.IgnoreDatabases,
            PgBinDirectory = options.PgBinDirectory,
            CaptureDdl = options.CaptureDdl,
        }, ct);
        if (report.HasFailures)
            throw new PreflightFailedException(report);

        var now = options.Clock.GetUtcNow();
        var record = new MigrationRecord
        {
            Id = Guid.NewGuid().ToString(),
            Method = options.Method,
            Status = MigrationStatus.Running,
            CreatedAt = now,
            UpdatedAt = now,
            Source = options.Source.ToString(),
            Target = options.Target.ToString(),
            IgnoreDatabases = options.IgnoreDatabases,
            Warnings = report.Results.Where(r => r.Status == CheckStatus.Warn).Select(r => $"{r.Id}: {r.Message}").ToList(),
            CaptureDdl = options.CaptureDdl,
            Limits = new RecordedLimits().With(options),
        };
        store.Create(record, options.Source, options.Target);
        return new MigrationRunner(store, options, record);
    }

    private static string DescribeIgnored(IReadOnlyList<string> ignored) =>
        ignored.Count == 0 ? "no database" : string.Join(", ", ignored);

    /// <summary>
    /// Runs until the migration is done, canceled or failed, or until <paramref name="ct"/> detaches it. A cutover with
    /// fallback goes on with the fallback stream, and a fallback with the migration again (<see cref="Fallback.FallbackChain"/>):
    /// the record returned is then the last one run.
    /// </summary>
    public async Task<MigrationRecord> RunAsync(CancellationToken ct)
    {
        var record = await RunOwnAsync(ct);
        if (await Fallback.FallbackChain.NextAsync(_store, _options, record, ct) is not { } next)
            return record;
        _logger.FallbackContinues(Id, MigrationStore.Name(record.Status), next.Id);
        _next = next;
        return await next.RunAsync(ct);
    }

    private async Task<MigrationRecord> RunOwnAsync(CancellationToken ct)
    {
        if (_record.Method == MigrationMethod.Subscription)
        {
            _subscription = new Subscription.SubscriptionRunner(_store, _options, _record) { Verifier = Verifier };
            return await _subscription.RunAsync(ct);
        }
        try
        {
            _logger.MigrationStarted(Id, _options.Source.ToString(), _options.Target.ToString());
            // An application switch left half-way by a dead process ends first: the applications on one server again.
            await CutoverSwitch.RecoverAsync(_store, Id, _options, ct);
            // Independent steps, each opening a first connection to its server: neither waits for the other.
            await Task.WhenAll(RetryTransientAsync(ReadTargetAsync, ct), RetryTransientAsync(PrepareDatabasesAsync, ct));
            Save();
            if (_runs.Any(r => !r.CopyDone))
            {
                // Only a copy needs pg_dump and friends: a resumed stream starts without looking for them.
                _tools = (await PgToolLocator.FindAllAsync(_options.PgBinDirectory, ct)).FirstOrDefault()
                    ?? throw new PgMoveException("tools.missing", "pg_dump and pg_restore were not found.", "Install PostgreSQL's client tools and name their directory with --pg-bin.");
                await RetryTransientAsync(CopyRolesAsync, ct);
            }
            // A cutover interrupted after its marks were confirmed finishes first, before anything streams again.
            if (await InterruptedCutover.FinishAsync(_store, Id, _options, _runs.Select(r => r.Name).ToList(), CutoverAsync, Detach, ct) is { } finished)
                return finished;

            while (true)
            {
                using var streaming = CancellationTokenSource.CreateLinkedTokenSource(ct);
                using var gate = new SemaphoreSlim(_options.ParallelDatabases);
                var workers = _runs.Select(run => RunDatabaseAsync(run, gate, streaming.Token)).ToList();
                var outcome = await SuperviseAsync(workers, ct);
                await streaming.CancelAsync();
                await WhenAllQuietly(workers);
                if (outcome.Kind == RunOutcome.Kinds.Refused)
                    return Detach(); // the refusal stays on the record, the slots too: syncing, resumable
                if (outcome.Kind != RunOutcome.Kinds.Cutover)
                    return await FinishAsync(outcome, ct);
                // A refused cutover (null) left the slots: stream again, unless this run exists only for the cutover.
                if (await CutoverAsync(outcome, ct) is { } done)
                    return done;
                if (_options.EndAfterCutover)
                    return Detach();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Detach();
        }
        catch (PgMoveException error)
        {
            return await FailAsync(error.Message, error.Fix);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Never leave the store saying "running" for a runner that is gone.
            return await FailAsync($"unexpected {error.GetType().Name}: {error.Message}",
                "Check that both servers are up and reachable, then run pgmove start again to resume.");
        }
    }

    /// <summary>Detached: slots and publications stay; pgmove start resumes.</summary>
    private MigrationRecord Detach()
    {
        _logger.Detached(Id);
        // Save() would stamp this process as the runner again: write the record without it.
        _record = Snapshot with { RunnerPid = null };
        _store.Update(_record);
        return Snapshot;
    }

    /// <summary>
    /// The steps before the databases run (target facts, database list, roles) retry a lost connection with
    /// backoff, as the databases themselves do; after a few minutes of failures the migration fails with the cause.
    /// </summary>
    private async Task RetryTransientAsync(Func<CancellationToken, Task> step, CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step(ct);
                return;
            }
            catch (Exception error) when (IsTransient(error) && attempt < 8 && !ct.IsCancellationRequested)
            {
                _logger.StepRetrying(step.Method.Name.Replace("Async", "", StringComparison.Ordinal), ErrorText.Of(error), attempt, backoff.TotalSeconds);
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Learns the databases (new migration) or reloads them (resumed one).</summary>
    private async Task PrepareDatabasesAsync(CancellationToken ct)
    {
        var known = _record.Databases.ToDictionary(d => d.Name, StringComparer.Ordinal);
        await using var source = await PgConnector.OpenAsync(_options.Source, "source", ct);
        var databases = DatabaseSelection.Select(await CatalogReader.ReadDatabasesAsync(source, ct), _record.IgnoreDatabases);
        var oids = await CatalogReader.ReadDatabaseOidsAsync(source, ct);
        foreach (var database in databases)
        {
            known.TryGetValue(database.Name, out var previous);
            if (previous is not null && known.Count > 0 && previous.Phase is DatabasePhase.Done)
                continue;
            var run = new DatabaseRun(database.Name, oids[database.Name], ReplicationNames.Slot(Id, oids[database.Name]),
                ReplicationNames.Publication(Id), previous?.CopyDone ?? false)
            {
                Copy = _copyProgress.For(database.Name),
                PhaseChanged = (r, from, to) => _logger.PhaseChanged(r.Name, from.ToString(), to.ToString()),
            };
            run.Statistics.AddDdl(previous?.DdlApplied ?? 0); // a count since the migration started, across resumes
            _runs.Add(run);
        }
        _databaseInfos = databases.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    private Dictionary<string, DatabaseInfo> _databaseInfos = new(StringComparer.Ordinal);

    private void Save()
    {
        _record = Snapshot with { RunnerPid = Environment.ProcessId, RunnerHeartbeat = DateTimeOffset.UtcNow };
        _store.Update(_record);
    }

    private async Task<MigrationRecord> FailAsync(string error, string fix)
    {
        _logger.MigrationFailed(Id, error, fix);
        _record = _record with { Status = MigrationStatus.Error, Error = error, Fix = fix, RunnerPid = null };
        // Before any copy finished there is nothing to keep; afterwards the slots stay so that the migration can
        // resume once the cause is fixed (the WAL limit and pgmove stop guard the disk). The error that ended the
        // migration stays the one shown: trouble while cleaning up after it is a second line of the fix.
        if (_runs.All(r => !r.CopyDone))
        {
            try
            {
                await CleanupSourceAsync(CancellationToken.None);
            }
            catch (PgMoveException cleanup)
            {
                _record = _record with { Fix = $"{fix} Also: {cleanup.Message} {cleanup.Fix}" };
            }
        }
        _store.Update(Snapshot with { RunnerPid = null });
        return Snapshot;
    }

    private static async Task WhenAllQuietly(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            // Each worker reports its own failure in its DatabaseRun.
        }
    }
}
