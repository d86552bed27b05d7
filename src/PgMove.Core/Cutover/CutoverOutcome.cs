namespace PgMove.Core.Cutover;

/// <summary>How a cutover attempt ended.</summary>
internal sealed record CutoverOutcome(CutoverOutcome.Kinds Kind, string Message, string? Fix = null)
{
    public enum Kinds
    {
        /// <summary>Verified, replication objects dropped: the migration is done.</summary>
        Done,

        /// <summary>
        /// Nothing was released: the slots stay, the source is writable again if this cutover froze it, and the
        /// migration goes on syncing. The cause and the fix are in <see cref="Message"/> and <see cref="Fix"/>.
        /// </summary>
        Refused,

        /// <summary>The replication objects were already gone when a problem was found: the migration has failed.</summary>
        Failed,
    }
}
