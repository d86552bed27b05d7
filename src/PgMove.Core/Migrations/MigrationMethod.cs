namespace PgMove.Core.Migrations;

/// <summary>How the data moves. See DESIGN.md: relay (default), subscription, dump.</summary>
public enum MigrationMethod
{
    Relay,
    Subscription,
    Dump,

    /// <summary>
    /// The reverse stream of a cutover with fallback (<see cref="Fallback.FallbackPair"/>): relay from the new server back to the
    /// old one, its databases already in step when it is created; never chosen by a user.
    /// </summary>
    Fallback,
}
