namespace PgMove.Core.Migrations;

/// <summary>Why supervision ended.</summary>
internal sealed record RunOutcome(RunOutcome.Kinds Kind, string Reason, bool Freeze = false, DateTimeOffset? FrozenAt = null)
{
    public enum Kinds { Stop, Cutover, Error }

    /// <summary>A cutover's application switch, paused already (the source frozen), or null.</summary>
    public Cutover.CutoverSwitch? Switch { get; init; }
}
