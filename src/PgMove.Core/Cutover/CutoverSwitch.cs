using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Fallback;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Core.Cutover;

/// <summary>
/// The application switch as a step of the one cutover pipeline, for every method: each of its steps is recorded in
/// the store before it is taken (<see cref="MigrationRecord.SwitchStep"/>), the freeze is part of it (undone by any
/// rollback), and <see cref="RecoverAsync"/> brings a switch whose process died to one consistent end: the
/// applications resumed on exactly one server.
/// </summary>
public sealed class CutoverSwitch
{
    private readonly IApplicationSwitch _switch;
    private readonly IMigrationStore _store;
    private readonly string _migrationId;
    private readonly MigrationOptions _options;
    private readonly IReadOnlyList<string> _databases;
    private readonly ILogger _logger;
    private readonly IFallbackStep? _fallback;

    private CutoverSwitch(IApplicationSwitch applicationSwitch, IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases, SwitchSettings settings)
    {
        _switch = applicationSwitch;
        _store = store;
        _migrationId = migrationId;
        _options = options;
        _databases = databases;
        _logger = options.LoggerFactory.CreateLogger("PgMove.Cutover");
        _fallback = FallbackSteps.For(store, migrationId, options, databases, settings);
    }

    /// <summary>
    /// The target's databases that carry a freeze (a fallback froze them: the applications left them): made writable
    /// just before RESUME, frozen again by a rollback.
    /// </summary>
    private IReadOnlyList<string> _frozenTarget = [];

    /// <summary>The switch the cutover request asked for, or null when it asked for none.</summary>
    public static CutoverSwitch? For(IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases) =>
        store.ReadSwitch(migrationId) is { } settings
            ? new CutoverSwitch(Create(settings, migrationId, options, databases), store, migrationId, options, databases, settings) { _catchUp = TimeSpan.FromSeconds(settings.CatchUpTimeoutSeconds) }
            : null;

    /// <summary>
    /// The switch the cutover request asked for, with the roles created meanwhile already copied (pg_dumpall takes a good
    /// part of a second: outside the pause, so that the applications do not wait for it); null when it asked for none.
    /// </summary>
    public static async Task<CutoverSwitch?> PrepareAsync(IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases, CancellationToken ct)
    {
        var cutoverSwitch = For(store, migrationId, options, databases);
        if (cutoverSwitch is not null)
        {
            await CutoverPipeline.CarryRolesAsync(options, ct);
            cutoverSwitch._frozenTarget = await SourceFreeze.FrozenAsync(options.Target, databases, ct);
        }
        return cutoverSwitch;
    }

    private TimeSpan _catchUp = TimeSpan.FromSeconds(30);
    private long _pausedAt;

    /// <summary>While the applications are held the target must catch up in time: past the limit the switch goes back.</summary>
    public void CheckCatchUp(Func<string> lag)
    {
        if (Stopwatch.GetElapsedTime(_pausedAt) > _catchUp)
            throw new PgMoveException("switch.catch_up_timeout",
                $"The target did not apply everything written before the freeze within {_catchUp.TotalSeconds:0.#} s while the applications were held ({lag()}).",
                "Run the cutover again when the lag (pgmove status) is near zero, or give the catch-up more time with --catch-up-timeout.");
    }

    /// <summary>Where the applications are, for a cutover's messages.</summary>
    public bool Moved { get; private set; }

    /// <summary>PAUSE (after every check). On failure nothing changed and nothing stays recorded.</summary>
    public async Task PauseAsync(CancellationToken ct)
    {
        if (_fallback is not null)
            await _fallback.CheckAsync(ct);
        await RecordAsync(SwitchStep.Pausing, ct);
        var prepared = false; // true while the fallback's preparation may have made something
        try
        {
            if (_fallback is not null)
            {
                prepared = true;
                prepared = await _fallback.BeforePauseAsync(ct);
            }
            await _switch.PauseAsync(ct);
        }
        catch (PgBouncerPauseTimeoutException timeout)
        {
            if (prepared)
                await UndoFallbackAsync();
            _store.SetSwitchStep(_migrationId, null);
            var activity = await BlockingSessions.DescribeAsync(_options.Source, timeout.Blocking.Where(b => b.ServerPid is not null).Select(b => b.ServerPid!.Value).ToList(), ct);
            throw new PgMoveException(timeout.Code, timeout.Message + activity, timeout.Fix, timeout);
        }
        catch
        {
            if (prepared)
                await UndoFallbackAsync();
            _store.SetSwitchStep(_migrationId, null);
            throw;
        }
        _pausedAt = Stopwatch.GetTimestamp();
        _logger.SwitchPaused(_migrationId);
        await RecordAsync(SwitchStep.Freezing, ct);
    }

    /// <summary>
    /// The applications pointed at the target; <paramref name="beforeResume"/> runs last before they go on (the target's
    /// snapshot for the verification); then the resume. Returns the sentence for the result.
    /// </summary>
    public async Task<string> MoveAndResumeAsync(Func<CancellationToken, Task> beforeResume, CancellationToken ct)
    {
        // Both servers are identical now (the applications held, the source frozen, the target level): the one instant a
        // stream the other way can start without a copy.
        if (_fallback is not null)
            await _fallback.BeforeResumeAsync(ct);
        await _switch.MoveAsync(RecordAsync, ct);
        await beforeResume(ct);
        if (_frozenTarget.Count > 0)
            await SourceFreeze.UnfreezeAsync(_options.Target, _frozenTarget, ct);
        await RecordAsync(SwitchStep.Resuming, ct);
        Moved = true;
        var summary = await _switch.ResumeAsync(ct);
        await RecordAsync(SwitchStep.Done, ct);
        _logger.SwitchDone(_migrationId, summary);
        return summary;
    }

    /// <summary>A failure before the resume: routing put back, the source writable again, the applications resumed there.</summary>
    public async Task<string> RollBackAsync(Exception cause)
    {
        await RecordAsync(SwitchStep.RollingBack, CancellationToken.None);
        var summary = await _switch.RollBackAsync(UndoWhilePausedAsync, cause);
        _store.SetSwitchStep(_migrationId, null);
        _logger.SwitchRolledBack(_migrationId, cause.Message);
        return summary;
    }

    /// <summary>
    /// At a runner's start: a switch left between its steps by a dead process is finished (from the resume on) or rolled
    /// back (before it), so that the applications run on one server again. A rolled-back switch leaves its cutover asked
    /// again (the request stands until answered). Returns what was done, or null when no switch was under way.
    /// </summary>
    public static async Task<string?> RecoverAsync(IMigrationStore store, string migrationId, MigrationOptions options, CancellationToken ct)
    {
        if (store.Get(migrationId) is not { SwitchStep: { } recorded } record || !Enum.TryParse<SwitchStep>(recorded, out var step) || step == SwitchStep.Done)
            return null;
        var databases = record.Databases.Select(d => d.Name).ToList();
        var settings = store.ReadSwitch(migrationId)
            ?? throw new PgMoveException("switch.settings_lost", $"Migration {migrationId} was interrupted during an application switch ({recorded}), but the switch's settings are gone from the store.",
                "Check PgBouncer by hand (SHOW DATABASES on its console: RESUME what is paused, make every entry lead to one server), then run pgmove unfreeze if the applications stay on the source.");
        var cutoverSwitch = new CutoverSwitch(Create(settings, migrationId, options, databases), store, migrationId, options, databases, settings)
        {
            // A crash may have come after the target was made writable: a rollback freezes it again if a fallback froze it.
            _frozenTarget = FallbackFreeze.FellBack(store, migrationId) ? databases : [],
        };
        var recovery = await cutoverSwitch._switch.RecoverAsync(step, cutoverSwitch.UndoWhilePausedAsync, ct);
        if (recovery.OnTarget)
        {
            store.SetSwitchStep(migrationId, nameof(SwitchStep.Done));
            return recovery.Summary;
        }
        store.SetSwitchStep(migrationId, null);
        // Rolled back: the cutover starts over from its marks, which this run no longer holds.
        if (MigrationControl.IsCutoverFinishing(record.Request) || record.Request is "cutover" or "cutover-freeze")
            store.SetRequest(migrationId, "cutover-freeze");
        cutoverSwitch._logger.SwitchRecovered(migrationId, recovery.Summary);
        return recovery.Summary;
    }

    /// <summary>
    /// What can be checked before a cutover is asked: PgBouncer's console answers, its ini is writable and has entries
    /// that lead to the source's databases (a <see cref="UsageException"/> lists what it has otherwise); a command is not empty.
    /// </summary>
    public static async Task CheckAsync(SwitchSettings settings, ConnectionSpec source, ConnectionSpec target, IReadOnlyList<string> databases, CancellationToken ct)
    {
        if (settings.Fallback)
            await FallbackPreflight.CheckAsync(target, databases.Count, ct);
        if (settings.PgBouncerAdmin is null)
            return;
        if (databases.Count == 0)
            throw new UsageException("switch.no_databases_yet", "The migration does not know its databases yet, so the PgBouncer entries to switch cannot be found.",
                "Run the cutover once the migration is syncing (pgmove status).");
        var options = new MigrationOptions { Source = source, Target = target };
        await new PgBouncerSwitch(PgBouncerOptions(settings, settings.PgBouncerAdmin, options, databases)).CheckAsync(ct);
    }

    /// <summary>A pause that did not happen: what the fallback made before it goes (its note is lost with the refusal; a failure to drop is in its record).</summary>
    private async Task UndoFallbackAsync()
    {
        if (_fallback is not null)
            await _fallback.UndoAsync(CancellationToken.None);
    }

    private Task UnfreezeAsync(CancellationToken ct) => SourceFreeze.UnfreezeAsync(_options.Source, _databases, ct);

    /// <summary>
    /// A rollback's work while the applications are still held: the fallback's objects dropped, a target freeze put back,
    /// the source writable. Each part is tried whatever became of the others: above all the server the applications go
    /// back to is made writable even when the other one is unreachable. The failures, if any, are thrown together at the
    /// end (the switch resumes the applications all the same).
    /// </summary>
    private async Task UndoWhilePausedAsync(CancellationToken ct)
    {
        var failures = new List<string>();
        async Task TryAsync(string what, Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException or IOException or TimeoutException)
            {
                failures.Add($"{what}: {ErrorText.Of(error)}");
            }
        }
        if (_fallback is not null)
            await TryAsync("undoing the fallback's part", () => _fallback.UndoAsync(ct));
        if (_frozenTarget.Count > 0)
        {
            await TryAsync("making the target read-only again", async () =>
            {
                await using var target = await PgConnector.OpenAsync(_options.Target, "target", ct, tune: WritableSession.Tune);
                foreach (var database in _frozenTarget)
                    await SourceFreeze.FreezeAsync(target, database, ct);
            });
        }
        await TryAsync("making the source writable again", () => UnfreezeAsync(ct));
        if (failures.Count > 0)
            throw new PgMoveException("switch.undo_incomplete", $"putting things back was incomplete ({string.Join("; ", failures)}).",
                "Once both servers answer, run pgmove start (or the cutover again): it finishes the rollback; pgmove unfreeze makes the source writable by hand.");
    }

    private Task RecordAsync(SwitchStep step, CancellationToken ct)
    {
        _store.SetSwitchStep(_migrationId, step.ToString());
        return Task.CompletedTask;
    }

    private static IApplicationSwitch Create(SwitchSettings settings, string migrationId, MigrationOptions options, IReadOnlyList<string> databases) =>
        settings.PgBouncerAdmin is { } admin
            ? new PgBouncerApplicationSwitch(PgBouncerOptions(settings, admin, options, databases))
            : new CommandApplicationSwitch(settings.Command ?? throw new InvalidOperationException("A switch needs PgBouncer or a command."),
                TimeSpan.FromSeconds(settings.CommandTimeoutSeconds), options.Source, options.Target, databases, migrationId);

    private static PgBouncerSwitchOptions PgBouncerOptions(SwitchSettings settings, ConnectionSpec admin, MigrationOptions options, IReadOnlyList<string> databases) => new()
    {
        Admin = admin,
        IniPath = settings.PgBouncerIni,
        PauseTimeout = TimeSpan.FromSeconds(settings.PauseTimeoutSeconds),
        Sources = [new ServerEndpoint(options.Source.Host, options.Source.Port), .. settings.PgBouncerSources.Select(s => ServerEndpoint.Parse(s, "--pgbouncer-source"))],
        Target = settings.PgBouncerTarget is { } target ? ServerEndpoint.Parse(target, "--pgbouncer-target") : new ServerEndpoint(options.Target.Host, options.Target.Port),
        Databases = databases.ToDictionary(d => d, d => d, StringComparer.Ordinal),
    };
}
