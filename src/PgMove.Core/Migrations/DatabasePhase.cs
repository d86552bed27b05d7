namespace PgMove.Core.Migrations;

/// <summary>Where one database of a continuous migration stands.</summary>
public enum DatabasePhase
{
    Pending,
    Copying,
    Streaming,
    Reconnecting,
    Stopped,
    Done,
    Failed,
}
