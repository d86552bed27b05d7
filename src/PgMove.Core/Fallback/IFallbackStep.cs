namespace PgMove.Core.Fallback;

/// <summary>
/// What a switch does for a fallback, at the one instant both servers are identical: the applications held, the
/// server they leave frozen, the other one level with it. <see cref="Cutover.CutoverSwitch"/> runs it before RESUME
/// and undoes it on any rollback (a crash's included), so the stream the other way either exists whole or not at all.
/// </summary>
internal interface IFallbackStep
{
    /// <summary>Before the applications are paused: everything that can be checked (a failure changes nothing).</summary>
    Task CheckAsync(CancellationToken ct);

    /// <summary>
    /// Just before the pause, the switch's first step recorded: what can be made while the applications still run (the
    /// stream's slots, whose creation waits for running transactions), so that the pause does not wait for it. Recorded
    /// in the store before anything is made; undone by <see cref="UndoAsync"/>. Returns false when it has nothing to make.
    /// </summary>
    Task<bool> BeforePauseAsync(CancellationToken ct);

    /// <summary>While paused, before RESUME: start the stream the other way (recorded in the store before anything is made).</summary>
    Task BeforeResumeAsync(CancellationToken ct);

    /// <summary>On a rollback, while still paused: drops what <see cref="BeforeResumeAsync"/> made, whatever part of it ran. Returns a note, or "".</summary>
    Task<string> UndoAsync(CancellationToken ct);
}
