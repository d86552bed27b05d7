namespace PgMove.Core.Switch;

/// <summary>
/// How a cutover moves the applications from the source to the target while their writes are frozen: through
/// PgBouncer (<see cref="PgBouncerApplicationSwitch"/>) or a user's command (<see cref="CommandApplicationSwitch"/>).
/// The caller records each step before it is taken, so that <see cref="RecoverAsync"/> can finish or undo a switch
/// whose process died.
/// </summary>
internal interface IApplicationSwitch
{
    /// <summary>Checks everything it can before touching anything, then holds the applications' queries (PgBouncer's PAUSE).</summary>
    Task PauseAsync(CancellationToken ct);

    /// <summary>Points the applications at the target; <paramref name="beforeStep"/> records each step first.</summary>
    Task MoveAsync(Func<SwitchStep, CancellationToken, Task> beforeStep, CancellationToken ct);

    /// <summary>Lets the applications go on, on the target. Returns one sentence for the result (what moved, how long queries waited).</summary>
    Task<string> ResumeAsync(CancellationToken ct);

    /// <summary>A failure before the resume: routing put back, <paramref name="undo"/> (the source writable again), the applications resumed on the source.</summary>
    Task<string> RollBackAsync(Func<CancellationToken, Task> undo, Exception cause);

    /// <summary>After a crash at <paramref name="lastStep"/>: completes from <see cref="SwitchStep.Resuming"/> on, else rolls back with <paramref name="undo"/>.</summary>
    Task<SwitchRecovery> RecoverAsync(SwitchStep lastStep, Func<CancellationToken, Task> undo, CancellationToken ct);
}
