namespace PgMove.Core.Switch;

/// <summary>
/// The steps of a PgBouncer switch, in order. The caller records each one in its store before it is taken
/// (<see cref="PgBouncerSwitchHooks.BeforeStep"/>), so that after a crash <see cref="PgBouncerSwitch.RecoverAsync"/>
/// knows which way is consistent: every step before <see cref="Resuming"/> rolls back to the source, from
/// <see cref="Resuming"/> on it completes on the target.
/// </summary>
public enum SwitchStep
{
    /// <summary>PAUSE the databases that lead to the source (the ini's backup is already written).</summary>
    Pausing,

    /// <summary>The caller's work while clients wait: freeze the source, wait until the target is level, sequences.</summary>
    Freezing,

    /// <summary>Rewrite the matching ini entries to the target (atomic write).</summary>
    Rewriting,

    /// <summary>RELOAD: PgBouncer reads the new entries.</summary>
    Reloading,

    /// <summary>RESUME: the applications go on, on the target. From here a recovery completes the switch.</summary>
    Resuming,

    /// <summary>Resumed on the target: the switch is over.</summary>
    Done,

    /// <summary>A step failed before RESUME: restore the ini, RELOAD, undo the caller's work, RESUME on the source.</summary>
    RollingBack,
}
