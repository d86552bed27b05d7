using PgMove.Core.Schema;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Cutover;

/// <summary>
/// The cutover's role step with PgMove a superuser on neither server, as on managed services (several majors): changes are
/// carried to the roles PgMove may change, the target's admin and superusers are left alone, and the passwords that
/// could not be compared are named.
/// </summary>
public sealed class RoleCarryTests
{
    private const string Roles = """
        SELECT rolname || ': ' || concat_ws(' ', rolsuper, rolcreatedb, rolcanlogin, rolconnlimit)
        FROM pg_roles WHERE rolname IN ('app', 'readers', 'svc_super', 'admin_t') ORDER BY 1
        """;

    [SkippableTheory]
    [InlineData(15, 17)]
    [InlineData(14, 16)]
    [InlineData(15, 18)]
    public async Task CarryAtCutover_NoSuperuserOnEitherSide_CarriesWhatItMayAndNamesUncomparedPasswords(int sourceMajor, int targetMajor)
    {
        var (source, target) = await PgCluster.StartPairAsync(sourceMajor, targetMajor);
        await using var _ = source;
        await using var __ = target;
        await source.ExecuteAsync("""
            CREATE ROLE mover LOGIN;
            CREATE ROLE readers;
            CREATE ROLE app LOGIN PASSWORD 'app on the source' CREATEDB CONNECTION LIMIT 5;
            GRANT readers TO app;
            ALTER ROLE app SET work_mem = '16MB';
            CREATE ROLE svc_super LOGIN CONNECTION LIMIT 9;
            CREATE ROLE admin_t NOLOGIN CONNECTION LIMIT 1;
            """);
        // The target as a managed service has it: an admin with CREATEROLE (PgMove's user), a superuser of the
        // service, and a role the admin made earlier (so it holds ADMIN on it, as PostgreSQL 16+ requires).
        await target.ExecuteAsync("""
            CREATE ROLE admin_t LOGIN CREATEROLE CREATEDB;
            CREATE ROLE svc_super SUPERUSER LOGIN;
            SET ROLE admin_t;
            CREATE ROLE app LOGIN CONNECTION LIMIT 1;
            ALTER ROLE app SET statement_timeout = '5s';
            RESET ROLE;
            """);
        var before = await target.ColumnAsync(Roles);

        // The client tools here are Debian's 15: sources up to 15.
        var tools = (await PgToolLocator.FindAllAsync(null, CancellationToken.None)).First();
        var note = await RoleCopier.CarryAtCutoverAsync(tools, source.Spec(user: "mover", password: null), sourceIsSuperuser: false,
            target.Spec(user: "admin_t", password: null), CancellationToken.None);

        // app follows the source; readers was created and granted; the service's superuser and PgMove's own role did not move.
        Assert.Equal(
        [
            "admin_t: " + before.Single(r => r.StartsWith("admin_t:", StringComparison.Ordinal))["admin_t: ".Length..],
            "app: f t t 5",
            "readers: f f f -1",
            "svc_super: t f t -1",
        ], await target.ColumnAsync(Roles));
        Assert.Equal(["readers"], await target.ColumnAsync(
            "SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = 'app'"));
        Assert.Equal(["work_mem=16MB"], await target.ColumnAsync(
            "SELECT unnest(setconfig) FROM pg_db_role_setting WHERE setrole = 'app'::regrole"));
        Assert.True(note.Contains("Roles created on the source during the migration were copied: mover, readers.", StringComparison.Ordinal), note);
        Assert.True(note.Contains("app (attributes, membership in readers, setting work_mem, setting statement_timeout reset)", StringComparison.Ordinal), note);
        // Every LOGIN role both servers have by then, mover included (created by the step above).
        Assert.True(note.Contains("passwords could not be compared for the LOGIN roles app, mover", StringComparison.Ordinal), note);
        Assert.DoesNotContain("svc_super (", note, StringComparison.Ordinal);
        Assert.DoesNotContain("admin_t (", note, StringComparison.Ordinal);

        // Run again (a cutover retried): nothing left to change.
        var again = await RoleCopier.CarryAtCutoverAsync(tools, source.Spec(user: "mover", password: null), sourceIsSuperuser: false,
            target.Spec(user: "admin_t", password: null), CancellationToken.None);
        Assert.DoesNotContain("were carried", again, StringComparison.Ordinal);
        Assert.DoesNotContain("not carried", again, StringComparison.Ordinal);
    }
}
