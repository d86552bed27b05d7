namespace PgMove.Core.Switch;

/// <summary>Where a recovered (or rolled back) switch left the applications.</summary>
/// <param name="OnTarget">True when PgBouncer leads to the target, false when it still leads to the source.</param>
/// <param name="Summary">One sentence for the user: which entries, which server, resumed.</param>
public sealed record SwitchRecovery(bool OnTarget, string Summary);
