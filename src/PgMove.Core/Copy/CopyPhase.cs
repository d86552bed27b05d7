namespace PgMove.Core.Copy;

/// <summary>Where the copy of one database stands.</summary>
public enum CopyPhase
{
    Waiting,
    Creating,
    PreData,
    Data,
    PostData,
    Finishing,
    Done,
    Skipped,
    Failed,
}
