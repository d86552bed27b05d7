using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Core.Fallback;

/// <summary>Which fallback work a switch carries: none, the reverse stream's creation (a cutover with fallback), or the migration's return (a fallback).</summary>
internal static class FallbackSteps
{
    public static IFallbackStep? For(IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases, SwitchSettings settings) =>
        store.Get(migrationId)?.Method == MigrationMethod.Fallback
            ? new ForwardStreamRestore(store, migrationId, options, databases)
            : settings.Fallback ? new ReverseStreamSetup(store, migrationId, options, databases) : null;
}
