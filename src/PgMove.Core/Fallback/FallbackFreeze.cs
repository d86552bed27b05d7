using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Core.Fallback;

/// <summary>
/// A fallback leaves the new server frozen (read-only for everyone but PgMove: the applications left it, and it follows
/// the old server again). The migration's next cutover, with a switch or without, makes it writable again; a switch
/// that rolls back (a crash's recovery included) freezes it again. Which migration's target that freeze belongs to is
/// kept in the store: a completed fallback stream of that migration.
/// </summary>
internal static class FallbackFreeze
{
    /// <summary>Whether <paramref name="migrationId"/> fell back since it was created: its target was then frozen by PgMove.</summary>
    public static bool FellBack(IMigrationStore store, string migrationId) =>
        store.Get(migrationId) is { } forward && forward.Method != MigrationMethod.Fallback
        && store.All().Any(r => r.Method == MigrationMethod.Fallback && r.Status == MigrationStatus.Done
                                && r.Source == forward.Target && r.Target == forward.Source && r.CreatedAt >= forward.CreatedAt);
}
