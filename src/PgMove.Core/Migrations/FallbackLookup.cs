namespace PgMove.Core.Migrations;

/// <summary>A migration cut over with fallback and its reverse stream, as a fallback or finish request finds them.</summary>
/// <param name="Migration">The migration (the forward record).</param>
/// <param name="Reverse">Its reverse stream (method fallback): what a fallback cuts over, what a finish stops.</param>
/// <param name="AlreadyDone">Set when the request was already carried out: the answer to give, with nothing to do.</param>
public sealed record FallbackLookup(MigrationRecord Migration, MigrationRecord Reverse, string? AlreadyDone)
{
    /// <summary>
    /// For a finish: the migration's earlier reverse streams that may still hold slots and a publication on the new
    /// server (left in error by a failed undo before the cutover was run again), which the finish ends after
    /// <see cref="Reverse"/>. Empty for a fallback.
    /// </summary>
    public IReadOnlyList<MigrationRecord> Earlier { get; init; } = [];
}
