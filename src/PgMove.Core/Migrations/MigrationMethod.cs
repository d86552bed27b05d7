namespace PgMove.Core.Migrations;

/// <summary>How the data moves. See DESIGN.md: relay (default), subscription, dump.</summary>
public enum MigrationMethod
{
    Relay,
    Subscription,
    Dump,
}
