using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.Schema;
using PgMove.Core.State;

namespace PgMove.Core.Subscription;

/// <summary>
/// Runs a migration with the subscription method: per database, the pre-data schema and the keys the apply
/// needs on the target, a publication and a slot on the source, and a subscription on the target that copies
/// every table and then streams; PostgreSQL moves the data, PgMove builds the rest of the schema after the
/// initial sync, reports status from both servers, and stops or cuts over on request (through the store).
/// Cancelling the token detaches: the subscription keeps running on the target and <c>pgmove start</c> resumes.
/// </summary>
internal sealed partial class SubscriptionRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly IMigrationStore _store;
    private readonly MigrationOptions _options;
    private readonly List<SubscriptionDatabase> _runs = [];
    private readonly Lock _saving = new();
    private MigrationRecord _record;
    private PgToolset? _tools;
    private ServerFacts? _sourceFacts;
    private ServerFacts? _targetFacts;
    private ITargetSubscriptions _subscriptions = new NativeSubscriptions();
    private Dictionary<string, DatabaseInfo> _databaseInfos = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public SubscriptionRunner(IMigrationStore store, MigrationOptions options, MigrationRecord record)
    {
        _store = store;
        _options = options;
        _record = record;
        _logger = options.LoggerFactory.CreateLogger("PgMove.Subscription");
    }

    private string Id => _record.Id;

    /// <summary>The latest state, as the store has it.</summary>
    public MigrationRecord Snapshot => _record with { Databases = _runs.Select(r => r.ToRecord()).ToList() };

    /// <summary>Compares source and target after a cutover; null skips verification.</summary>
    public CutoverVerifier? Verifier { get; init; } = CutoverVerification.VerifyAsync;

    public async Task<MigrationRecord> RunAsync(CancellationToken ct)
    {
        try
        {
            _logger.MigrationStarted(Id, _options.Source.ToString(), _options.Target.ToString());
            // An application switch left half-way by a dead process ends first: the applications on one server again.
            await CutoverSwitch.RecoverAsync(_store, Id, _options, ct);
            _tools = (await PgToolLocator.FindAllAsync(_options.PgBinDirectory, ct)).FirstOrDefault()
                ?? throw new PgMoveException("tools.missing", "pg_dump and pg_restore were not found.", "Install PostgreSQL's client tools and name their directory with --pg-bin.");
            await ReadServersAsync(ct);
            await PrepareDatabasesAsync(ct);
            Save();
            if (_runs.Any(r => !r.CopyDone))
                await CopyRolesAsync(ct);

            // A cutover interrupted after its marks were confirmed finishes first: provisioning again could only
            // recreate subscriptions (and copy again) once the cutover dropped them.
            if (await InterruptedCutover.FinishAsync(_store, Id, _options, _runs.Select(r => r.Name).ToList(), CutoverAsync, Detach, ct) is { } finished)
                return finished;

            using var provisioning = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var gate = new SemaphoreSlim(_options.ParallelDatabases);
            var workers = _runs.Select(run => ProvisionAsync(run, gate, provisioning.Token)).ToList();
            while (true)
            {
                var outcome = await SuperviseAsync(ct);
                // A refused cutover (null) re-enabled the subscriptions: supervise again.
                var done = outcome.Kind == RunOutcome.Kinds.Cutover ? await CutoverAsync(outcome, ct) : null;
                if (outcome.Kind == RunOutcome.Kinds.Cutover && done is null && !_options.EndAfterCutover)
                    continue;
                await provisioning.CancelAsync();
                await WhenAllQuietly(workers);
                if (outcome.Kind == RunOutcome.Kinds.Cutover && done is null || outcome.Kind == RunOutcome.Kinds.Refused)
                    return Detach(); // a run that exists only for the cutover: the subscriptions go on by themselves
                return done ?? await FinishAsync(outcome, ct);
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
            return await FailAsync($"unexpected {error.GetType().Name}: {ErrorText.Of(error)}",
                "Check that both servers are up and reachable, then run pgmove start again to resume.");
        }
    }

    /// <summary>Detached: the subscriptions go on by themselves; pgmove start resumes watching them.</summary>
    private MigrationRecord Detach()
    {
        _logger.Detached(Id);
        SaveFinal();
        return Snapshot;
    }

    /// <summary>Stops a migration that no process is running: drops what it made on both sides.</summary>
    public async Task<MigrationRecord> StopAsync(CancellationToken ct)
    {
        foreach (var database in _record.Databases)
            _runs.Add(new SubscriptionDatabase(database.Name, database.Slot!, database.Publication!, database.CopyDone) { Phase = database.Phase, Subscribed = true, DdlApplied = database.DdlApplied });
        await ReadServersAsync(ct, sourceOptional: true);
        return await FinishAsync(new RunOutcome(RunOutcome.Kinds.Stop, "stopped by the user"), ct);
    }

    /// <summary>Who we are on each server; on the target, whether subscriptions are made with SQL or with aiven_extras.</summary>
    private async Task ReadServersAsync(CancellationToken ct, bool sourceOptional = false)
    {
        try
        {
            await using var source = await PgConnector.OpenAsync(_options.Source, "source", ct);
            _sourceFacts = await CatalogReader.ReadServerAsync(source, ct);
        }
        catch (PgMoveException) when (sourceOptional)
        {
            // Stopping while the source is down: the target side can still be cleaned.
        }
        await using var target = await PgConnector.OpenAsync(_options.Target, "target", ct);
        _targetFacts = await CatalogReader.ReadServerAsync(target, ct);
        if (_targetFacts.IsSuperuser)
            return;
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = @name)", target);
        command.Parameters.AddWithValue("name", AivenExtrasSubscriptions.Extension);
        if (!(bool)(await command.ExecuteScalarAsync(ct))!)
            throw new PgMoveException("subscription.not_allowed",
                $"Target user '{_targetFacts.CurrentUser}' is not a superuser and the target has no aiven_extras extension: it cannot create subscriptions.",
                "Connect to the target as a superuser, or use --method relay (PgMove applies the changes itself; the target needs no subscription right).");
        _subscriptions = new AivenExtrasSubscriptions();
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
            if (previous is { Phase: DatabasePhase.Done })
                continue;
            _runs.Add(new SubscriptionDatabase(database.Name, previous?.Slot ?? ReplicationNames.Slot(Id, oids[database.Name]),
                previous?.Publication ?? ReplicationNames.Publication(Id), previous?.CopyDone ?? false) { DdlApplied = previous?.DdlApplied ?? 0 });
        }
        _databaseInfos = databases.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    /// <summary>Copies the roles once, before the first database is provisioned; a role that cannot be made leaves its objects to the restoring user.</summary>
    private async Task CopyRolesAsync(CancellationToken ct)
    {
        await RoleCopier.CopyAsync(_tools!, _options.Source, _sourceFacts!.IsSuperuser, _options.Target, ct);
    }

    private void Save()
    {
        lock (_saving)
        {
            var before = _record;
            _record = Snapshot with { RunnerPid = Environment.ProcessId, RunnerHeartbeat = DateTimeOffset.UtcNow };
            _store.Update(_record);
            LogChanges(before, _record);
        }
    }

    /// <summary>
    /// The subscription method's events, the same as the relay runner's (phases, how it ended), told from what each
    /// save changes: the phases move in several files and every change passes through a save.
    /// </summary>
    private void LogChanges(MigrationRecord before, MigrationRecord after)
    {
        var phases = before.Databases.ToDictionary(d => d.Name, d => d.Phase, StringComparer.Ordinal);
        foreach (var database in after.Databases)
        {
            var from = phases.GetValueOrDefault(database.Name, DatabasePhase.Pending);
            if (from != database.Phase)
                _logger.PhaseChanged(database.Name, from.ToString(), database.Phase.ToString());
        }
        if (before.Status == after.Status || after.IsActive)
            return;
        if (after.Status == MigrationStatus.Error)
            _logger.MigrationFailed(Id, after.Error ?? "", after.Fix ?? "");
        else
            _logger.MigrationEnded(Id, MigrationStore.Name(after.Status), after.Result);
    }

    private void SaveFinal()
    {
        lock (_saving)
        {
            var before = _store.Get(Id) ?? _record;
            _record = _record with { RunnerPid = null };
            _store.Update(Snapshot with { RunnerPid = null });
            LogChanges(before, Snapshot);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task WhenAllQuietly(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            // Each worker reports its own failure in its SubscriptionDatabase.
        }
    }

    /// <summary>Server messages can quote the conninfo; the source password never leaves this class.</summary>
    private string Redact(string text) =>
        string.IsNullOrEmpty(_options.Source.Password) ? text : text.Replace(_options.Source.Password, "****", StringComparison.Ordinal);
}
