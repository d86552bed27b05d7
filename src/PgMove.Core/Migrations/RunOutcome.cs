namespace PgMove.Core.Migrations;

/// <summary>Why supervision ended.</summary>
internal sealed record RunOutcome(RunOutcome.Kinds Kind, string Reason, bool Freeze = false, DateTimeOffset? FrozenAt = null)
{
    public enum Kinds { Stop, Cutover, Error }
}
