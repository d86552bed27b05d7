using System.Diagnostics;
using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>
/// Moves the applications that reach a source through PgBouncer to the target while their queries wait instead of
/// failing: PAUSE → the caller's freeze and catch-up → rewrite the ini's entries → RELOAD → RESUME. Any failure
/// before RESUME puts the ini back, reloads, undoes the caller's work and resumes: the applications go on with the
/// source. Each step is announced before it is taken, so that <see cref="RecoverAsync"/> can finish or undo a
/// switch whose process died.
/// </summary>
public sealed class PgBouncerSwitch(PgBouncerSwitchOptions options)
{
    /// <summary>
    /// Checks everything before touching anything: the console answers, the ini is known and writable, and at least
    /// one entry leads to a migrated source database (none → a <see cref="UsageException"/> listing what was found);
    /// the running PgBouncer must agree with the ini about those entries.
    /// </summary>
    public async Task<PgBouncerSwitchPlan> CheckAsync(CancellationToken ct) => await CheckWithAsync(await PgBouncerAdmin.ConnectAsync(options.Admin, ct), ct);

    private async Task<PgBouncerSwitchPlan> CheckWithAsync(PgBouncerAdmin admin, CancellationToken ct)
    {
        var ini = new PgBouncerIniFile(await IniPathAsync(admin, ct));
        var text = ini.Read();
        ini.CheckWritable();
        var entries = PgBouncerIni.Matching(text, options.Sources, options.Databases.Keys.ToList());
        if (entries.Count == 0)
        {
            var found = PgBouncerIni.Entries(text);
            throw new UsageException("switch.pgbouncer_no_database",
                $"No entry of {ini.Path} leads to a migrated database ({string.Join(", ", options.Databases.Keys)} on {string.Join(" or ", options.Sources)}); "
                + $"its [databases] section has {(found.Count == 0 ? "no entries" : string.Join("; ", found))}"
                + (found.Any(e => e.IsFallback) ? " (the * fallback entry is never rewritten)" : "") + ".",
                "Point --pgbouncer at the PgBouncer your applications use, or add the source's address as PgBouncer names it; entries must name host, port and dbname of the source.");
        }
        var running = await admin.DatabasesAsync(ct);
        foreach (var entry in entries)
        {
            var live = running.FirstOrDefault(d => d.Name == entry.Name);
            if (live is null || !new ServerEndpoint(live.Host, live.Port).SameAs(entry.Server) || live.Database != entry.Database)
                throw new PgMoveException("switch.pgbouncer_not_reloaded",
                    $"PgBouncer's database {entry.Name} {(live is null ? "is not known to the running PgBouncer" : $"leads to {live.Host}:{live.Port}/{live.Database}")}, but {ini.Path} says {entry}.",
                    "The ini was changed without a RELOAD, or PgBouncer runs with another ini: RELOAD it (or pass the right --pgbouncer-ini), then run the cutover again.");
        }
        return new PgBouncerSwitchPlan(ini.Path, entries);
    }

    /// <summary>Runs the whole switch. On failure before RESUME everything is rolled back and the cause is rethrown.</summary>
    public async Task<PgBouncerSwitchResult> RunAsync(PgBouncerSwitchHooks hooks, CancellationToken ct)
    {
        await hooks.BeforeStep(SwitchStep.Pausing, ct);
        // A timeout resumes by itself and changed nothing else: no rollback needed.
        await PauseAsync(ct);
        try
        {
            await hooks.BeforeStep(SwitchStep.Freezing, ct);
            await hooks.WhilePaused(ct);
            await MoveAsync(hooks.BeforeStep, ct);
        }
        catch (Exception error)
        {
            await RollBackAsync(hooks, error);
            throw;
        }
        await hooks.BeforeStep(SwitchStep.Resuming, ct);
        var result = await ResumeAsync(ct);
        await hooks.BeforeStep(SwitchStep.Done, ct);
        return result;
    }

    private PgBouncerAdmin? _admin;
    private PgBouncerIniFile? _ini;
    private IReadOnlyList<string> _names = [];
    private long _pausedAt;

    /// <summary>
    /// The first step, after <see cref="CheckAsync"/>: backs the ini up and PAUSEs the databases that lead to a
    /// migrated source. A <see cref="PgBouncerPauseTimeoutException"/> means they were resumed and nothing changed.
    /// </summary>
    public async Task<PgBouncerSwitchPlan> PauseAsync(CancellationToken ct)
    {
        _admin = await PgBouncerAdmin.ConnectAsync(options.Admin, ct);
        var plan = await CheckWithAsync(_admin, ct);
        _ini = new PgBouncerIniFile(plan.IniPath);
        // Before the first step is taken, so that a recovery at any step finds this switch's backup, never an older one.
        _ini.Backup();
        _names = plan.Names;
        _pausedAt = Stopwatch.GetTimestamp();
        await _admin.PauseAsync(_names, options.PauseTimeout, ct);
        return plan;
    }

    /// <summary>While paused: the entries rewritten to the target (atomic write), RELOAD, checked. <paramref name="beforeStep"/> records each step first.</summary>
    public async Task MoveAsync(Func<SwitchStep, CancellationToken, Task> beforeStep, CancellationToken ct)
    {
        var (admin, ini) = Paused();
        await beforeStep(SwitchStep.Rewriting, ct);
        var (text, _) = PgBouncerIni.Rewrite(ini.Read(), options.Sources, options.Target, options.Databases);
        ini.Write(text);
        await beforeStep(SwitchStep.Reloading, ct);
        await admin.ReloadAsync(ct);
        await CheckLeadsToAsync(admin, _names, options.Target, ct);
    }

    /// <summary>RESUME: the applications' queries go on, on the target. Returns how long they were held.</summary>
    public async Task<PgBouncerSwitchResult> ResumeAsync(CancellationToken ct)
    {
        var (admin, ini) = Paused();
        await admin.ResumeAsync(_names, ct);
        return new PgBouncerSwitchResult(_names, (long)Stopwatch.GetElapsedTime(_pausedAt).TotalMilliseconds, ini.Path, ini.BackupPath);
    }

    /// <summary>
    /// Any failure before RESUME: the ini restored, RELOAD, <see cref="PgBouncerSwitchHooks.UndoWhilePaused"/>, RESUME — the
    /// applications go on with the source. Throws <c>switch.rollback_failed</c> (naming the way back by hand) if that fails too.
    /// </summary>
    public async Task RollBackAsync(PgBouncerSwitchHooks hooks, Exception cause)
    {
        var (admin, ini) = Paused();
        await RollBackAfterAsync(admin, ini, _names, hooks, cause);
    }

    private (PgBouncerAdmin Admin, PgBouncerIniFile Ini) Paused() =>
        _admin is { } admin && _ini is { } ini ? (admin, ini) : throw new InvalidOperationException("The switch has not paused PgBouncer.");

    /// <summary>
    /// Brings PgBouncer to a consistent state after a switch stopped at <paramref name="lastStep"/> (the last step
    /// recorded): before <see cref="SwitchStep.Resuming"/> it rolls back (ini restored from the backup, RELOAD,
    /// <see cref="PgBouncerSwitchHooks.UndoWhilePaused"/>, RESUME); from it on, it completes (RELOAD, RESUME). Either
    /// way it then checks that every entry leads to one server and nothing stays paused. Safe to run again.
    /// </summary>
    public async Task<SwitchRecovery> RecoverAsync(SwitchStep lastStep, PgBouncerSwitchHooks hooks, CancellationToken ct)
    {
        var admin = await PgBouncerAdmin.ConnectAsync(options.Admin, ct);
        var ini = new PgBouncerIniFile(await IniPathAsync(admin, ct));
        var before = ini.HasBackup ? File.ReadAllText(ini.BackupPath) : ini.Read();
        var names = PgBouncerIni.Matching(before, options.Sources, options.Databases.Keys.ToList()).Select(e => e.Name).Distinct(StringComparer.Ordinal).ToList();

        if (lastStep is SwitchStep.Resuming or SwitchStep.Done)
        {
            await admin.ReloadAsync(ct);
            await CheckLeadsToAsync(admin, names, options.Target, ct);
            await admin.ResumeAsync(names, ct);
            await CheckResumedAsync(admin, names, ct);
            return new SwitchRecovery(true, $"PgBouncer's {string.Join(", ", names)} lead to the target {options.Target} and are resumed.");
        }

        // The ini is touched from Rewriting on; before that it is left alone (it may hold a user's later edits).
        if (lastStep is SwitchStep.Rewriting or SwitchStep.Reloading or SwitchStep.RollingBack && ini.HasBackup)
            ini.RestoreBackup();
        await admin.ReloadAsync(ct);
        await CheckLeadsToSourceAsync(admin, names, ct);
        var undoFailed = await UndoThenResumeAsync(admin, names, hooks, ct);
        await CheckResumedAsync(admin, names, ct);
        if (undoFailed is not null)
            throw new PgMoveException("switch.rollback_incomplete",
                $"PgBouncer's {string.Join(", ", names)} lead to the source again and are resumed (the interrupted switch was rolled back), but {undoFailed.Message}",
                (undoFailed as PgMoveException)?.Fix ?? "Once both servers answer, run pgmove start again: it finishes the rollback.", undoFailed);
        return new SwitchRecovery(false, $"PgBouncer's {string.Join(", ", names)} lead to the source and are resumed; the switch was rolled back.");
    }

    /// <summary>--pgbouncer-ini, else the conffile PgBouncer reports.</summary>
    private async Task<string> IniPathAsync(PgBouncerAdmin admin, CancellationToken ct) =>
        options.IniPath ?? await admin.ConfigFileAsync(ct)
        ?? throw new UsageException("switch.pgbouncer_ini_unknown", $"PgBouncer at {admin.Spec} does not report its ini file (SHOW CONFIG has no conffile).",
            "Pass the path of pgbouncer.ini with --pgbouncer-ini.");

    private async Task RollBackAfterAsync(PgBouncerAdmin admin, PgBouncerIniFile ini, IReadOnlyList<string> names, PgBouncerSwitchHooks hooks, Exception cause)
    {
        // The switch's token may be what failed: the way back must run to its end regardless.
        var ct = CancellationToken.None;
        Exception? undoFailed;
        try
        {
            await hooks.BeforeStep(SwitchStep.RollingBack, ct);
            ini.RestoreBackup();
            await admin.ReloadAsync(ct);
            await CheckLeadsToSourceAsync(admin, names, ct);
            undoFailed = await UndoThenResumeAsync(admin, names, hooks, ct);
        }
        catch (Exception rollback)
        {
            throw new PgMoveException("switch.rollback_failed",
                $"The PgBouncer switch failed ({cause.Message}) and putting things back failed too ({rollback.Message}); PgBouncer's {string.Join(", ", names)} may still be paused.",
                $"Run the cutover again: it finishes the rollback. By hand: copy {ini.BackupPath} over {ini.Path}, then on PgBouncer's console RELOAD and RESUME each of {string.Join(", ", names)}.",
                new AggregateException(cause, rollback));
        }
        if (undoFailed is not null)
            throw new PgMoveException("switch.rollback_incomplete",
                $"The PgBouncer switch failed ({cause.Message}); PgBouncer's {string.Join(", ", names)} lead to the source again and are resumed, but {undoFailed.Message}",
                (undoFailed as PgMoveException)?.Fix ?? "Once both servers answer, run pgmove start (or the cutover again): it finishes the rollback.",
                new AggregateException(cause, undoFailed));
    }

    /// <summary>
    /// The caller's undo, then RESUME whatever became of it: with the entries back on the source, holding the
    /// applications longer mends nothing (a server that does not answer is not brought back by waiting), while a
    /// PgBouncer left paused is an outage nobody asked for. Returns the undo's failure, if any, for the caller to report.
    /// </summary>
    private static async Task<Exception?> UndoThenResumeAsync(PgBouncerAdmin admin, IReadOnlyList<string> names, PgBouncerSwitchHooks hooks, CancellationToken ct)
    {
        Exception? failed = null;
        try
        {
            await hooks.UndoWhilePaused(ct);
        }
        catch (Exception undo) when (undo is not OperationCanceledException)
        {
            failed = undo;
        }
        await admin.ResumeAsync(names, failed is null ? ct : CancellationToken.None);
        return failed;
    }

    private Task CheckLeadsToSourceAsync(PgBouncerAdmin admin, IReadOnlyList<string> names, CancellationToken ct) =>
        CheckLeadsToAsync(admin, names, null, ct);

    /// <summary>After a RELOAD: each entry leads to <paramref name="expected"/> (null: to one of the sources), so that PgBouncer uses exactly one server.</summary>
    private async Task CheckLeadsToAsync(PgBouncerAdmin admin, IReadOnlyList<string> names, ServerEndpoint? expected, CancellationToken ct)
    {
        var running = await admin.DatabasesAsync(ct);
        foreach (var name in names)
        {
            var live = running.FirstOrDefault(d => d.Name == name);
            var endpoint = live is null ? null : new ServerEndpoint(live.Host, live.Port);
            var ok = endpoint is not null && (expected is null ? options.Sources.Any(endpoint.SameAs) : endpoint.SameAs(expected));
            if (!ok)
                throw new PgMoveException("switch.pgbouncer_unexpected_route",
                    $"After RELOAD, PgBouncer's database {name} leads to {(endpoint is null ? "nothing (unknown name)" : endpoint.ToString())}, not to the {(expected is null ? "source" : $"target {expected}")}.",
                    "Check pgbouncer.ini (and its include files) and PgBouncer's log for a rejected entry, RELOAD, then run the cutover again.");
        }
    }

    private static async Task CheckResumedAsync(PgBouncerAdmin admin, IReadOnlyList<string> names, CancellationToken ct)
    {
        var paused = (await admin.DatabasesAsync(ct)).Where(d => d.Paused && names.Contains(d.Name)).Select(d => d.Name).ToList();
        if (paused.Count > 0)
            throw new PgMoveException("switch.pgbouncer_still_paused", $"PgBouncer's {string.Join(", ", paused)} are still paused after RESUME.",
                "On PgBouncer's admin console run RESUME for each of them, then run the cutover again.");
    }
}
