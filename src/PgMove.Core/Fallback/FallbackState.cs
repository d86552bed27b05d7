using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Core.Fallback;

/// <summary>
/// The reverse stream of a migration cut over with fallback, as status shows it: whether it still runs (the old server
/// follows the new one), how far behind it is, the WAL its slots retain on the new server, and since when.
/// </summary>
/// <param name="Active">True while the old server follows the new one (<c>pgmove fallback</c> possible).</param>
/// <param name="Status">The reverse stream's own status: syncing while active; done after a fallback; canceled after finish or a limit.</param>
/// <param name="MigrationId">The reverse stream's record (its id names its slots and publication on the new server).</param>
/// <param name="RunnerAlive">
/// Whether a process (or a service node's lease) runs the reverse stream now: an active fallback that none runs leaves the
/// old server behind (after <c>pgmove cutover --fallback</c> with no <c>pgmove start</c> alive, or a process gone).
/// </param>
public sealed record FallbackState(bool Active, string Status, string MigrationId, DateTimeOffset Since, long? LagBytes, double? LagSeconds,
    long? RetainedWalBytes, string? Error, string? Result, bool RunnerAlive = false, string? Fix = null)
{
    /// <summary>The fallback of <paramref name="forward"/>, or null when it was cut over without one.</summary>
    public static FallbackState? Of(IMigrationStore store, MigrationRecord forward)
    {
        if (FallbackPair.ReverseOf(store, forward) is not { } reverse)
            return null;
        var live = reverse.IsActive;
        return new FallbackState(live, MigrationStore.Name(reverse.Status), reverse.Id, reverse.CreatedAt,
            live ? Max(reverse.Databases.Select(d => d.LagBytes)) : null,
            live ? reverse.Databases.Max(d => d.LagSeconds) : null,
            live ? Max(reverse.Databases.Select(d => d.RetainedWalBytes)) : null,
            reverse.Error, reverse.Result, live && MigrationControl.HasLiveRunner(reverse), reverse.Fix);
    }

    private static long? Max(IEnumerable<long?> values) => values.Where(v => v is not null).DefaultIfEmpty(null).Max();
}
