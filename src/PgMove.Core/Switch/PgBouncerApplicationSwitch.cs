namespace PgMove.Core.Switch;

/// <summary>The switch through PgBouncer: PAUSE, rewrite the ini's entries, RELOAD, RESUME (<see cref="PgBouncerSwitch"/>).</summary>
internal sealed class PgBouncerApplicationSwitch(PgBouncerSwitchOptions options) : IApplicationSwitch
{
    private readonly PgBouncerSwitch _switch = new(options);

    public async Task PauseAsync(CancellationToken ct) => await _switch.PauseAsync(ct);

    public Task MoveAsync(Func<SwitchStep, CancellationToken, Task> beforeStep, CancellationToken ct) => _switch.MoveAsync(beforeStep, ct);

    public async Task<string> ResumeAsync(CancellationToken ct)
    {
        var result = await _switch.ResumeAsync(ct);
        return $"PgBouncer's {string.Join(", ", result.Databases)} now lead to the target {options.Target}; client queries waited {result.PauseMilliseconds} ms "
            + $"(the ini before the switch is kept as {result.BackupPath}).";
    }

    public async Task<string> RollBackAsync(Func<CancellationToken, Task> undo, Exception cause)
    {
        await _switch.RollBackAsync(new PgBouncerSwitchHooks { UndoWhilePaused = undo }, cause);
        return "PgBouncer was resumed on the source (its ini restored) and the source is writable again: the applications go on there.";
    }

    public Task<SwitchRecovery> RecoverAsync(SwitchStep lastStep, Func<CancellationToken, Task> undo, CancellationToken ct) =>
        _switch.RecoverAsync(lastStep, new PgBouncerSwitchHooks { UndoWhilePaused = undo }, ct);
}
