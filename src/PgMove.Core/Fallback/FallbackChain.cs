using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Core.Fallback;

/// <summary>
/// One process runs a migration and its fallback in turn: a cutover with fallback leaves the fallback stream syncing,
/// a fallback leaves the migration syncing again; whichever of the pair became active is run next, by the process that
/// ran the other (<c>pgmove start</c>, the service). With none running, <c>pgmove start</c> resumes it.
/// </summary>
internal static class FallbackChain
{
    /// <summary>The runner of the pair's other record when <paramref name="ended"/> is done and that one is active, else null.</summary>
    public static async Task<MigrationRunner?> NextAsync(IMigrationStore store, MigrationOptions options, MigrationRecord ended, CancellationToken ct)
    {
        // A run that exists only for one cutover (pgmove cutover or fallback with no runner alive) ends with it.
        if (ended.Status != MigrationStatus.Done || options.EndAfterCutover || ct.IsCancellationRequested)
            return null;
        if (FallbackPair.Counterpart(store, ended) is not { IsActive: true } next)
            return null;
        var (source, target) = store.ReadSecrets(next.Id);
        try
        {
            return await MigrationRunner.CreateOrResumeAsync(store, options with { Source = source, Target = target, IgnoreDatabases = [] }, ct);
        }
        catch (PgMoveException error) when (error.Code == "migration.already_running")
        {
            return null; // another process took it (pgmove start meanwhile): it is run there
        }
    }
}
