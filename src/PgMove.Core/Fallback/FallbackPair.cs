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

    /// <summary>
    /// Every reverse stream of <paramref name="forward"/>, newest first: those made since it and before the next migration
    /// between the same servers in its direction. There is more than one when a cutover with fallback is run again: an
    /// earlier one whose undo failed (its switch rolled back) stays in error, its slots perhaps still on the new server.
    /// </summary>
    public static IReadOnlyList<MigrationRecord> ReversesOf(IMigrationStore store, MigrationRecord forward)
    {
        if (forward.Method == MigrationMethod.Fallback)
            return [];
        var all = store.All();
        var next = all.Where(r => r.Method != MigrationMethod.Fallback && r.Source == forward.Source && r.Target == forward.Target && r.CreatedAt > forward.CreatedAt)
            .Select(r => r.CreatedAt).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        return all.Where(r => r.Method == MigrationMethod.Fallback && r.Source == forward.Target && r.Target == forward.Source && r.CreatedAt >= forward.CreatedAt && r.CreatedAt < next)
            .OrderByDescending(r => r.CreatedAt).ToList();
    }

    /// <summary>The migration whose cutover created <paramref name="reverse"/>, or null.</summary>
    public static MigrationRecord? ForwardOf(IMigrationStore store, MigrationRecord reverse) =>
        reverse.Method == MigrationMethod.Fallback && store.Latest(reverse.Target, reverse.Source) is { } forward && forward.Method != MigrationMethod.Fallback
            ? forward
            : null;

    /// <summary>The other record of the pair (the reverse of a migration, the migration of a reverse), or null.</summary>
    public static MigrationRecord? Counterpart(IMigrationStore store, MigrationRecord record) =>
        record.Method == MigrationMethod.Fallback ? ForwardOf(store, record) : ReverseOf(store, record);
}
