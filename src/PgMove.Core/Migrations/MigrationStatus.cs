namespace PgMove.Core.Migrations;

/// <summary>DigitalOcean's vocabulary: see DESIGN.md "Status".</summary>
public enum MigrationStatus
{
    Running,
    Syncing,
    Done,
    Canceled,
    Error,
}
