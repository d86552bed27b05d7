using PgMove.Core.Catalog;

namespace PgMove.Core.Schema.Roles;

/// <summary>
/// Compares the roles both servers have and writes the statements that make the target's like the source's:
/// attributes, password hashes, memberships (granted and revoked), per-role settings (set and reset). Each statement
/// only restates the source, so running the plan again changes nothing. Protected roles (see <see cref="RoleGuard"/>)
/// are neither changed nor have their memberships changed.
/// </summary>
internal static class RoleChangePlanner
{
    public static RoleChangePlan Plan(RoleCatalog source, RoleCatalog target, RoleGuard guard)
    {
        var compared = source.Roles.Keys.Where(r => target.Roles.ContainsKey(r) && !guard.IsProtected(r, target)).Order(StringComparer.Ordinal).ToList();
        var statements = new List<RoleStatement>();
        var notCompared = new List<string>();
        foreach (var role in compared)
        {
            statements.AddRange(Attributes(source.Roles[role], target.Roles[role]));
            if (source.Passwords is null)
            {
                if (source.Roles[role].Login)
                    notCompared.Add(role);
            }
            else if (Password(role, source.Passwords, target.Passwords) is { } password)
            {
                statements.Add(password);
            }
        }
        var comparedSet = compared.ToHashSet(StringComparer.Ordinal);
        statements.AddRange(Memberships(source, target, guard, comparedSet));
        statements.AddRange(Settings(source, target, comparedSet));
        var onlyOnTarget = target.Roles.Keys.Where(r => !source.Roles.ContainsKey(r) && !guard.IsProtected(r, target)).Order(StringComparer.Ordinal).ToList();
        return new RoleChangePlan(statements, onlyOnTarget, notCompared);
    }

    private static IEnumerable<RoleStatement> Attributes(RoleAttributes source, RoleAttributes target)
    {
        var role = Identifiers.Quote(source.Name);
        // SUPERUSER, REPLICATION and BYPASSRLS need a superuser on the target: alone, so that a refusal there
        // still lets the ordinary attributes through.
        var privileged = new List<string>();
        Flag(privileged, source.Superuser, target.Superuser, "SUPERUSER");
        Flag(privileged, source.Replication, target.Replication, "REPLICATION");
        Flag(privileged, source.BypassRls, target.BypassRls, "BYPASSRLS");
        if (privileged.Count > 0)
            yield return new RoleStatement(source.Name, "attributes", $"ALTER ROLE {role} WITH {string.Join(' ', privileged)}");

        var ordinary = new List<string>();
        Flag(ordinary, source.Inherit, target.Inherit, "INHERIT");
        Flag(ordinary, source.CreateRole, target.CreateRole, "CREATEROLE");
        Flag(ordinary, source.CreateDb, target.CreateDb, "CREATEDB");
        Flag(ordinary, source.Login, target.Login, "LOGIN");
        if (source.ConnectionLimit != target.ConnectionLimit)
            ordinary.Add($"CONNECTION LIMIT {source.ConnectionLimit}");
        if (source.ValidUntil != target.ValidUntil)
            ordinary.Add($"VALID UNTIL {Identifiers.Literal(source.ValidUntil ?? "infinity")}");
        if (ordinary.Count > 0)
            yield return new RoleStatement(source.Name, "attributes", $"ALTER ROLE {role} WITH {string.Join(' ', ordinary)}");
    }

    private static void Flag(List<string> clauses, bool source, bool target, string keyword)
    {
        if (source != target)
            clauses.Add(source ? keyword : "NO" + keyword);
    }

    private static RoleStatement? Password(string role, IReadOnlyDictionary<string, string?> source, IReadOnlyDictionary<string, string?>? target)
    {
        var hash = source.GetValueOrDefault(role);
        if (target is not null && target.GetValueOrDefault(role) == hash)
            return null;
        // The hash is stored as given (PostgreSQL recognises SCRAM and md5 hashes): the clear password is never known.
        var value = hash is null ? "NULL" : Identifiers.Literal(hash);
        return new RoleStatement(role, "password", $"ALTER ROLE {Identifiers.Quote(role)} PASSWORD {value}", Blind: target is null);
    }

    private static IEnumerable<RoleStatement> Memberships(RoleCatalog source, RoleCatalog target, RoleGuard guard, HashSet<string> compared)
    {
        // Memberships of compared roles in roles the target has and may be granted: its own protected ones are not,
        // PostgreSQL's predefined pg_* roles are.
        bool Eligible(RoleMembership m) =>
            compared.Contains(m.Member) && target.Roles.ContainsKey(m.Role) && (m.Role.StartsWith("pg_", StringComparison.Ordinal) || !guard.IsProtected(m.Role, target));
        var wanted = source.Memberships.Where(Eligible).GroupBy(m => (m.Role, m.Member)).ToDictionary(g => g.Key, g => g.Any(m => m.Admin));
        var present = target.Memberships.Where(Eligible).GroupBy(m => (m.Role, m.Member)).ToDictionary(g => g.Key, g => g.ToList());
        // PostgreSQL 16 keeps one grant per grantor, and REVOKE without GRANTED BY only removes the current user's.
        var byGrantor = guard.TargetVersionNum >= 160000;

        foreach (var ((role, member), admin) in wanted.OrderBy(w => w.Key.Role, StringComparer.Ordinal).ThenBy(w => w.Key.Member, StringComparer.Ordinal))
        {
            var grant = $"GRANT {Identifiers.Quote(role)} TO {Identifiers.Quote(member)}";
            if (!present.TryGetValue((role, member), out var grants))
                yield return new RoleStatement(member, $"membership in {role}", admin ? grant + " WITH ADMIN OPTION" : grant);
            else if (admin && !grants.Any(g => g.Admin))
                yield return new RoleStatement(member, $"membership in {role}", grant + " WITH ADMIN OPTION");
            else if (!admin && grants.Any(g => g.Admin))
            {
                foreach (var g in grants.Where(g => g.Admin))
                    yield return new RoleStatement(member, $"membership in {role}", $"REVOKE ADMIN OPTION FOR {Identifiers.Quote(role)} FROM {Identifiers.Quote(member)}{GrantedBy(g, byGrantor)}");
            }
        }
        foreach (var ((role, member), grants) in present.OrderBy(p => p.Key.Role, StringComparer.Ordinal).ThenBy(p => p.Key.Member, StringComparer.Ordinal))
        {
            if (wanted.ContainsKey((role, member)))
                continue;
            foreach (var g in byGrantor ? grants : grants.Take(1))
                yield return new RoleStatement(member, $"membership in {role} revoked", $"REVOKE {Identifiers.Quote(role)} FROM {Identifiers.Quote(member)}{GrantedBy(g, byGrantor)}");
        }
    }

    private static string GrantedBy(RoleMembership grant, bool byGrantor) =>
        byGrantor && grant.Grantor is not null ? $" GRANTED BY {Identifiers.Quote(grant.Grantor)}" : "";

    private static IEnumerable<RoleStatement> Settings(RoleCatalog source, RoleCatalog target, HashSet<string> compared)
    {
        // A setting for one database is compared only where both servers have that database; the target's settings
        // for databases of its own are its own.
        bool Eligible(RoleSetting s) =>
            compared.Contains(s.Role) && (s.Database is null || (source.Databases.Contains(s.Database) && target.Databases.Contains(s.Database)));
        var wanted = source.Settings.Where(Eligible).ToDictionary(s => (s.Role, s.Database, s.Name), s => s.Value);
        var present = target.Settings.Where(Eligible).ToDictionary(s => (s.Role, s.Database, s.Name), s => s.Value);
        foreach (var ((role, database, name), value) in wanted.OrderBy(w => w.Key.Role, StringComparer.Ordinal).ThenBy(w => w.Key.Name, StringComparer.Ordinal))
        {
            if (present.TryGetValue((role, database, name), out var current) && current == value)
                continue;
            yield return new RoleStatement(role, $"setting {name}", $"{AlterRole(role, database)} SET {Identifiers.Quote(name)} TO {RoleSettingValue.ToSql(name, value)}");
        }
        foreach (var (role, database, name) in present.Keys.Where(k => !wanted.ContainsKey(k)).OrderBy(k => k.Role, StringComparer.Ordinal).ThenBy(k => k.Name, StringComparer.Ordinal))
            yield return new RoleStatement(role, $"setting {name} reset", $"{AlterRole(role, database)} RESET {Identifiers.Quote(name)}");
    }

    private static string AlterRole(string role, string? database) =>
        database is null ? $"ALTER ROLE {Identifiers.Quote(role)}" : $"ALTER ROLE {Identifiers.Quote(role)} IN DATABASE {Identifiers.Quote(database)}";
}
