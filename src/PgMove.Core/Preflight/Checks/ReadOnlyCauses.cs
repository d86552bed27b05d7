using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// Why a server would refuse PgMove's writes (a standby, or a read-only default at some layer), each cause with
/// the statement that removes it. Shared by the source and target checks.
/// </summary>
internal static class ReadOnlyCauses
{
    /// <summary>
    /// The causes that hold for PgMove's sessions in any of <paramref name="databases"/>, most general first.
    /// <c>ServerWide</c> marks a standby or the server's own configuration, as opposed to an ALTER DATABASE or
    /// ALTER ROLE setting (which a copy carries to the target with the database's or role's other settings).
    /// </summary>
    public static IReadOnlyList<(string What, string Fix, bool ServerWide)> Find(ReadOnlyState state, string side, IEnumerable<string> databases)
    {
        var causes = new List<(string What, string Fix, bool ServerWide)>();
        if (state.InRecovery)
            causes.Add(($"the {side} server is in recovery (pg_is_in_recovery() is true): it is a standby and accepts no writes",
                $"The server is a standby: point --{side} at the primary (or promote this one).", true));

        var settings = databases.Distinct(StringComparer.Ordinal)
            .Select(d => state.ReadOnlyBy(d, state.Role))
            .OfType<ReadOnlySetting>()
            .Distinct()
            .OrderBy(s => (s.Database is null ? 0 : 2) + (s.Role is null ? 0 : 1))
            .ThenBy(s => s.Database, StringComparer.Ordinal);
        foreach (var setting in settings)
        {
            var (what, fix) = Describe(setting, state);
            causes.Add((what, fix, setting is { Database: null, Role: null }));
        }
        return causes;
    }

    // ALTER DATABASE and ALTER ROLE are refused inside a read-only transaction, and a session of a read-only
    // database starts in one: each fix turns the session's default off first. ALTER SYSTEM is allowed there.
    private const string SessionOff = "SET default_transaction_read_only = off;";

    private static (string What, string Fix) Describe(ReadOnlySetting setting, ReadOnlyState state) => (setting.Database, setting.Role) switch
    {
        (null, null) => (
            $"default_transaction_read_only is on for the whole server (set in its {state.SessionSource}: ALTER SYSTEM or postgresql.conf)",
            "Run ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_catalog.pg_reload_conf(); (or remove the line from postgresql.conf and reload)."),
        ({ } database, null) => (
            $"database '{database}' has default_transaction_read_only = on (ALTER DATABASE ... SET)",
            $"From a session that first runs {SessionOff} run ALTER DATABASE {Identifiers.Quote(database)} RESET default_transaction_read_only; " +
            "(ALTER DATABASE itself fails in a read-only transaction). If a PgMove cutover froze it, pgmove unfreeze undoes the freeze."),
        (null, { } role) => (
            $"role '{role}' has default_transaction_read_only = on (ALTER ROLE ... SET)",
            $"Run {SessionOff} ALTER ROLE {Identifiers.Quote(role)} RESET default_transaction_read_only; in one session."),
        ({ } database, { } role) => (
            $"role '{role}' has default_transaction_read_only = on in database '{database}' (ALTER ROLE ... IN DATABASE ... SET)",
            $"Run {SessionOff} ALTER ROLE {Identifiers.Quote(role)} IN DATABASE {Identifiers.Quote(database)} RESET default_transaction_read_only; in one session."),
    };
}
