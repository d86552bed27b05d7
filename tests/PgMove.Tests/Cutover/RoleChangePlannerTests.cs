using PgMove.Core.Schema.Roles;

namespace PgMove.Tests.Cutover;

/// <summary>The comparison of the two servers' roles, without servers: what is changed, what is left alone.</summary>
public sealed class RoleChangePlannerTests
{
    private static RoleAttributes Role(string name, bool login = true, int limit = -1, string? validUntil = null, bool superuser = false, bool bootstrap = false) =>
        new(name, superuser, Inherit: true, CreateRole: false, CreateDb: false, login, Replication: false, BypassRls: false, limit, validUntil, bootstrap);

    private static RoleCatalog Catalog(IEnumerable<RoleAttributes> roles, Dictionary<string, string?>? passwords = null,
        IEnumerable<RoleMembership>? memberships = null, IEnumerable<RoleSetting>? settings = null, params string[] databases) =>
        new(roles.ToDictionary(r => r.Name, StringComparer.Ordinal), passwords, [.. memberships ?? []], [.. settings ?? []],
            new HashSet<string>(databases.Length == 0 ? ["postgres", "shop"] : databases, StringComparer.Ordinal));

    private static readonly RoleGuard Guard = new("admin", TargetIsSuperuser: true, TargetVersionNum: 170000);

    [Fact]
    public void Plan_SameRoles_NothingToDo()
    {
        var roles = new[] { Role("admin", bootstrap: true), Role("app") };
        var plan = RoleChangePlanner.Plan(Catalog(roles), Catalog(roles), Guard);
        Assert.Empty(plan.Statements);
        Assert.Empty(plan.OnlyOnTarget);
    }

    [Fact]
    public void Plan_AttributesDiffer_OnlyTheDifferencesAreSet()
    {
        var plan = RoleChangePlanner.Plan(
            Catalog([Role("app", login: false, limit: 20, validUntil: "2031-06-30 12:00:00.000000+00", superuser: true)]),
            Catalog([Role("app")]), Guard);
        Assert.Equal(
            ["ALTER ROLE \"app\" WITH SUPERUSER", "ALTER ROLE \"app\" WITH NOLOGIN CONNECTION LIMIT 20 VALID UNTIL '2031-06-30 12:00:00.000000+00'"],
            plan.Statements.Select(s => s.Sql));
        var removed = RoleChangePlanner.Plan(Catalog([Role("app")]), Catalog([Role("app", validUntil: "2031-06-30 12:00:00.000000+00")]), Guard);
        Assert.Equal("ALTER ROLE \"app\" WITH VALID UNTIL 'infinity'", Assert.Single(removed.Statements).Sql);
    }

    [Fact]
    public void Plan_ProtectedRoles_AreNeverChanged()
    {
        // The target's connecting role, its first superuser, pg_* and a managed service's roles differ from the source's.
        string[] names = ["admin", "postgres", "pg_monitor", "rds_superuser", "cloudsqladmin", "azure_pg_admin"];
        var source = Catalog(names.Select(n => Role(n, limit: 3)));
        var target = Catalog(names.Select(n => Role(n, bootstrap: n == "postgres")));
        var plan = RoleChangePlanner.Plan(source, target, Guard);
        Assert.Empty(plan.Statements);
    }

    [Fact]
    public void Plan_TargetSuperuserWhenPgMoveIsNot_IsLeftAlone()
    {
        var plan = RoleChangePlanner.Plan(Catalog([Role("service_admin", limit: 2)]), Catalog([Role("service_admin", superuser: true)]),
            Guard with { TargetIsSuperuser = false });
        Assert.Empty(plan.Statements);
    }

    [Fact]
    public void Plan_Passwords_ComparedWhenBothReadableSetBlindWhenOnlyTheSourceIsNamedWhenNeither()
    {
        var roles = new[] { Role("app"), Role("batch", login: false) };
        var source = Catalog(roles, new() { ["app"] = "SCRAM-SHA-256$new", ["batch"] = null });
        var compared = RoleChangePlanner.Plan(source, Catalog(roles, new() { ["app"] = "SCRAM-SHA-256$old", ["batch"] = null }), Guard);
        var statement = Assert.Single(compared.Statements);
        Assert.Equal("ALTER ROLE \"app\" PASSWORD 'SCRAM-SHA-256$new'", statement.Sql);
        Assert.False(statement.Blind);

        var blind = RoleChangePlanner.Plan(source, Catalog(roles), Guard);
        Assert.Equal(["ALTER ROLE \"app\" PASSWORD 'SCRAM-SHA-256$new'", "ALTER ROLE \"batch\" PASSWORD NULL"], blind.Statements.Select(s => s.Sql));
        Assert.All(blind.Statements, s => Assert.True(s.Blind));

        var unreadable = RoleChangePlanner.Plan(Catalog(roles), Catalog(roles), Guard);
        Assert.Empty(unreadable.Statements);
        Assert.Equal(["app"], unreadable.PasswordsNotCompared);
    }

    [Fact]
    public void Plan_Memberships_GrantedRevokedAndAdminOptionFollowTheSource()
    {
        var roles = new[] { Role("admin", bootstrap: true), Role("app"), Role("readers"), Role("writers"), Role("owners") };
        var source = Catalog(roles, memberships:
        [
            new RoleMembership("writers", "app", Admin: true, "admin"),
            new RoleMembership("owners", "app", Admin: false, "admin"),
            new RoleMembership("pg_monitor", "app", Admin: false, "admin"),
        ]);
        var target = Catalog([.. roles, Role("pg_monitor")], memberships:
        [
            new RoleMembership("readers", "app", Admin: false, "admin"),
            new RoleMembership("readers", "app", Admin: false, "someone"),
            new RoleMembership("owners", "app", Admin: true, "admin"),
            // The target's own admin is a member of roles it created (PostgreSQL 16 and later): never revoked.
            new RoleMembership("app", "admin", Admin: true, "postgres"),
        ]);
        var plan = RoleChangePlanner.Plan(source, target, Guard);
        Assert.Equal(
        [
            "REVOKE ADMIN OPTION FOR \"owners\" FROM \"app\" GRANTED BY \"admin\"",
            "GRANT \"pg_monitor\" TO \"app\"",
            "GRANT \"writers\" TO \"app\" WITH ADMIN OPTION",
            "REVOKE \"readers\" FROM \"app\" GRANTED BY \"admin\"",
            "REVOKE \"readers\" FROM \"app\" GRANTED BY \"someone\"",
        ], plan.Statements.Select(s => s.Sql));

        // Before PostgreSQL 16 a role is granted once, and REVOKE takes no grantor.
        var old = RoleChangePlanner.Plan(source, target, Guard with { TargetVersionNum = 150000 });
        Assert.Contains("REVOKE \"readers\" FROM \"app\"", old.Statements.Select(s => s.Sql));
        Assert.Single(old.Statements, s => s.Sql.StartsWith("REVOKE \"readers\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Settings_SetChangedResetRemovedKeepTheTargetsOwnDatabases()
    {
        var roles = new[] { Role("app") };
        var source = Catalog(roles, settings:
        [
            new RoleSetting("app", null, "work_mem", "16MB"),
            new RoleSetting("app", null, "search_path", "\"$user\", \"odd schema\", public"),
            new RoleSetting("app", "shop", "lock_timeout", "3s"),
        ], databases: ["postgres", "shop"]);
        var target = Catalog(roles, settings:
        [
            new RoleSetting("app", null, "work_mem", "8MB"),
            new RoleSetting("app", null, "statement_timeout", "30s"),
            new RoleSetting("app", "shop", "lock_timeout", "3s"),
            new RoleSetting("app", "target_only", "lock_timeout", "9s"),
        ], databases: ["postgres", "shop", "target_only"]);
        var plan = RoleChangePlanner.Plan(source, target, Guard);
        Assert.Equal(
        [
            "ALTER ROLE \"app\" SET \"search_path\" TO '$user', 'odd schema', 'public'",
            "ALTER ROLE \"app\" SET \"work_mem\" TO '16MB'",
            "ALTER ROLE \"app\" RESET \"statement_timeout\"",
        ], plan.Statements.Select(s => s.Sql));
    }

    [Fact]
    public void Plan_RoleOnlyOnTarget_IsReportedNotDropped()
    {
        var plan = RoleChangePlanner.Plan(Catalog([Role("app")]), Catalog([Role("app"), Role("gone"), Role("admin"), Role("pg_maintain")]), Guard);
        Assert.Empty(plan.Statements);
        Assert.Equal(["gone"], plan.OnlyOnTarget);
    }
}
