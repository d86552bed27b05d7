namespace PgMove.Core.Migrations;

/// <summary>Why supervision ended.</summary>
internal sealed record RunOutcome(RunOutcome.Kinds Kind, string Reason, bool Freeze = false, DateTimeOffset? FrozenAt = null)
{
    /// <summary><see cref="Kinds.Refused"/>: a cutover refused in a run that exists only for it; the run ends, the migration syncing as before.</summary>
    public enum Kinds { Stop, Cutover, Error, Refused }

    /// <summary>A cutover's application switch, paused already (the source frozen), or null.</summary>
    public Cutover.CutoverSwitch? Switch { get; init; }
}
