namespace PgMove.Core.Switch;

/// <summary>The caller's part of a switch. Every hook gets the switch's cancellation token; the defaults do nothing.</summary>
public sealed record PgBouncerSwitchHooks
{
    /// <summary>Called before each step is taken: record it in the store here (a throw stops the switch, which rolls back).</summary>
    public Func<SwitchStep, CancellationToken, Task> BeforeStep { get; init; } = (_, _) => Task.CompletedTask;

    /// <summary>Runs while the databases are paused: freeze the source, wait until the target is level, copy sequences.</summary>
    public Func<CancellationToken, Task> WhilePaused { get; init; } = _ => Task.CompletedTask;

    /// <summary>
    /// Undoes <see cref="WhilePaused"/> on a rollback (make the source writable again). It runs after the ini is
    /// restored and reloaded and before RESUME, so no client ever meets a frozen source; it must be safe to run
    /// when <see cref="WhilePaused"/> did nothing or ran only part way.
    /// </summary>
    public Func<CancellationToken, Task> UndoWhilePaused { get; init; } = _ => Task.CompletedTask;
}
