using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using PgMove.Tests.Subscription;

namespace PgMove.Tests.Cutover;

/// <summary>
/// Roles changed on the source while the migration syncs reach the target at cutover: attributes, password hashes,
/// memberships granted and revoked, per-role settings set and reset. A role dropped on the source is not dropped on
/// the target, only named in the result.
/// </summary>
public sealed class CutoverRolesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    // The roles as both servers should show them; the clusters' own superuser (oid 10) and PostgreSQL's pg_* roles aside.
    private const string Attributes = """
        SELECT rolname || ': ' || concat_ws(' ', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
               rolbypassrls, rolconnlimit, coalesce(rolvaliduntil AT TIME ZONE 'UTC', 'infinity'))
        FROM pg_roles WHERE oid <> 10 AND rolname NOT LIKE 'pg\_%' AND rolname <> 'gone_later' ORDER BY 1
        """;

    private const string Memberships = """
        SELECT DISTINCT r.rolname || ' > ' || m.rolname || ' admin ' || a.admin_option
        FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
        WHERE a.member <> 10 AND a.roleid <> 10 AND m.rolname NOT LIKE 'pg\_%' ORDER BY 1
        """;

    private const string Settings = """
        SELECT r.rolname || ' in ' || coalesce(d.datname, '*') || ': ' || s
        FROM pg_db_role_setting c JOIN pg_roles r ON r.oid = c.setrole LEFT JOIN pg_database d ON d.oid = c.setdatabase,
             unnest(c.setconfig) s
        ORDER BY 1
        """;

    private const string Passwords = "SELECT rolname || ' ' || coalesce(rolpassword, 'none') FROM pg_authid WHERE rolname IN ('app_user', 'auditor') ORDER BY 1";

    [SkippableTheory]
    [InlineData("relay")]
    [InlineData("subscription")]
    public async Task Cutover_RolesChangedWhileSyncing_TargetRolesMatchTheSource(string method)
    {
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g", "shop");
        await scenario.Source.ExecuteAsync("""
            CREATE ROLE readers;
            CREATE ROLE writers;
            CREATE ROLE app_user LOGIN PASSWORD 'before the migration' CONNECTION LIMIT 5;
            CREATE ROLE auditor LOGIN PASSWORD 'auditor' VALID UNTIL '2040-01-01 00:00:00+00';
            CREATE ROLE gone_later;
            GRANT readers TO app_user;
            GRANT writers TO auditor WITH ADMIN OPTION;
            GRANT pg_read_all_stats TO auditor;
            ALTER ROLE app_user SET statement_timeout = '30s';
            ALTER ROLE app_user SET work_mem = '8MB';
            ALTER ROLE auditor IN DATABASE shop SET lock_timeout = '1s';
            """);
        var options = method == "subscription" ? SubscriptionMigration.Options(scenario) : scenario.Options(o => o with { IgnoreDatabases = ["postgres"] });
        var (_, run) = await scenario.RunAsync(options, CancellationToken.None);
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, run);
        Assert.Equal(await scenario.Source.ColumnAsync(Attributes), await scenario.Target.ColumnAsync(Attributes));

        // Every kind of change a role can take, while syncing.
        await scenario.Source.ExecuteAsync("""
            ALTER ROLE app_user CREATEDB NOINHERIT CONNECTION LIMIT 20 VALID UNTIL '2031-06-30 12:00:00+00' PASSWORD 'changed while syncing';
            ALTER ROLE auditor NOLOGIN VALID UNTIL 'infinity' PASSWORD NULL;
            REVOKE readers FROM app_user;
            GRANT writers TO app_user WITH ADMIN OPTION;
            REVOKE ADMIN OPTION FOR writers FROM auditor;
            REVOKE pg_read_all_stats FROM auditor;
            GRANT pg_monitor TO app_user;
            ALTER ROLE app_user RESET statement_timeout;
            ALTER ROLE app_user SET work_mem = '16MB';
            ALTER ROLE app_user SET search_path = "$user", 'odd schema', public;
            ALTER ROLE auditor IN DATABASE shop SET lock_timeout = '3s';
            ALTER ROLE app_user IN DATABASE shop SET application_name = 'it''s the shop';
            DROP ROLE gone_later;
            """);
        await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (201, 'after the role changes')", "shop");

        scenario.Request("cutover");
        var done = await run.WaitAsync(Timeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.Equal(await scenario.Source.ColumnAsync(Attributes), await scenario.Target.ColumnAsync(Attributes));
        Assert.Equal(await scenario.Source.ColumnAsync(Memberships), await scenario.Target.ColumnAsync(Memberships));
        Assert.Equal(await scenario.Source.ColumnAsync(Settings), await scenario.Target.ColumnAsync(Settings));
        Assert.Equal(await scenario.Source.ColumnAsync(Passwords), await scenario.Target.ColumnAsync(Passwords));
        // The settings are usable, not only equal text: search_path comes back as three elements.
        Assert.Contains("app_user in *: search_path=\"$user\", \"odd schema\", public", await scenario.Target.ColumnAsync(Settings));

        // The result names what changed; a role dropped on the source stays on the target, named in a warning.
        Assert.Contains("Roles changed on the source during the migration were carried", done.Result, StringComparison.Ordinal);
        Assert.Contains("app_user (", done.Result, StringComparison.Ordinal);
        Assert.Contains("auditor (", done.Result, StringComparison.Ordinal);
        Assert.Contains("WARNING: roles on the target that the source does not have", done.Result, StringComparison.Ordinal);
        Assert.Contains("gone_later", done.Result, StringComparison.Ordinal);
        Assert.DoesNotContain("changed while syncing", done.Result, StringComparison.Ordinal);
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM pg_roles WHERE rolname = 'gone_later'"));
        // The target's own superuser is left as it was.
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM pg_roles WHERE oid = 10 AND rolsuper AND rolcanlogin"));
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
