using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Core.Fallback;

/// <summary>
/// A migration and the reverse stream of its cutover with fallback are two records of the store: the reverse one
/// (<see cref="MigrationMethod.Fallback"/>) goes from the migration's target back to its source, so that the runner,
/// its supervision, limits, cutover and kill -9 safety serve both directions unchanged. Each finds the other by its
/// servers: the latest record between the same two servers the other way round.
/// </summary>
public static class FallbackPair
{
    /// <summary>The reverse stream of <paramref name="forward"/>'s latest cutover with fallback, or null.</summary>
    public static MigrationRecord? ReverseOf(IMigrationStore store, MigrationRecord forward) =>
        forward.Method != MigrationMethod.Fallback && store.Latest(forward.Target, forward.Source) is { Method: MigrationMethod.Fallback } reverse
            && reverse.CreatedAt >= forward.CreatedAt
            ? reverse
            : null;

    /// <summary>The migration whose cutover created <paramref name="reverse"/>, or null.</summary>
    public static MigrationRecord? ForwardOf(IMigrationStore store, MigrationRecord reverse) =>
        reverse.Method == MigrationMethod.Fallback && store.Latest(reverse.Target, reverse.Source) is { } forward && forward.Method != MigrationMethod.Fallback
            ? forward
            : null;

    /// <summary>The other record of the pair (the reverse of a migration, the migration of a reverse), or null.</summary>
    public static MigrationRecord? Counterpart(IMigrationStore store, MigrationRecord record) =>
        record.Method == MigrationMethod.Fallback ? ForwardOf(store, record) : ReverseOf(store, record);
}
