using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Schema.Roles;

/// <summary>
/// Carries changes made on the source to roles the target already has (attributes, passwords, memberships,
/// settings), at cutover and before its verification: every statement restates the source, so a cutover refused
/// afterwards leaves nothing harmful and a re-run finds nothing left to do. Each statement runs on its own: one
/// the target refuses (a managed service's limits) is reported and the others still apply.
/// </summary>
internal static class RoleSync
{
    public static async Task<RoleSyncResult> CarryChangesAsync(ConnectionSpec source, bool sourceIsSuperuser, ConnectionSpec target, CancellationToken ct)
    {
        RoleCatalog sourceRoles;
        await using (var connection = await PgConnector.OpenAsync(source, "source", ct))
            sourceRoles = await RoleCatalog.ReadAsync(connection, sourceIsSuperuser, ct);

        await using var targetConnection = await PgConnector.OpenAsync(target, "target", ct);
        var facts = await CatalogReader.ReadServerAsync(targetConnection, ct);
        var targetRoles = await RoleCatalog.ReadAsync(targetConnection, facts.IsSuperuser, ct);
        var plan = RoleChangePlanner.Plan(sourceRoles, targetRoles, new RoleGuard(facts.CurrentUser, facts.IsSuperuser, facts.VersionNum));

        var changed = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var failures = new List<string>();
        var blind = new List<string>();
        foreach (var statement in plan.Statements)
        {
            try
            {
                await using var command = new NpgsqlCommand(statement.Sql, targetConnection);
                await command.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException error)
            {
                // The statement can hold a password hash: name the role, the change and the reason only.
                failures.Add($"role {statement.Role} ({statement.Aspect}): {error.MessageText}");
                continue;
            }
            if (statement.Blind)
            {
                blind.Add(statement.Role);
                continue;
            }
            if (!changed.TryGetValue(statement.Role, out var aspects))
                changed[statement.Role] = aspects = [];
            if (!aspects.Contains(statement.Aspect, StringComparer.Ordinal))
                aspects.Add(statement.Aspect);
        }
        return new RoleSyncResult(
            changed.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value, StringComparer.Ordinal),
            failures, plan.OnlyOnTarget, plan.PasswordsNotCompared, blind);
    }
}
