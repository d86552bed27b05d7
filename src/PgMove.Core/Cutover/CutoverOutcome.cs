using PgMove.Core.Migrations;

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

    /// <summary>The record as this outcome leaves it: done with the result, or still syncing with the reason and the fix.</summary>
    public MigrationRecord ApplyTo(MigrationRecord record) => Kind switch
    {
        Kinds.Done => record with { Status = MigrationStatus.Done, Error = null, Fix = null, Result = Message },
        Kinds.Refused => record with { Status = MigrationStatus.Syncing, Error = Message, Fix = Fix },
        _ => throw new InvalidOperationException("A failed cutover is recorded by the runner's failure path."),
    };
}
