namespace PgMove.Tests.Copy;

/// <summary>
/// What pg_dump leaves out without --create and large objects' ownership: database settings, per-role settings in
/// the database, the database's grants and comment, and the owner and grants of each large object all arrive.
/// </summary>
public sealed class CopyDatabasePropertiesTests
{
    [SkippableFact]
    public async Task Copy_DatabaseSettingsGrantsAndComment_Arrive()
    {
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE ROLE app LOGIN");
        await scenario.Source.ExecuteAsync("CREATE DATABASE app OWNER app");
        await scenario.Source.ExecuteAsync("""
            CREATE SCHEMA "App Schema";
            CREATE TABLE "App Schema".t (id int);
            ALTER DATABASE app SET search_path = "App Schema", public;
            ALTER ROLE app IN DATABASE app SET work_mem = '12MB';
            REVOKE CONNECT, TEMPORARY ON DATABASE app FROM PUBLIC;
            GRANT CONNECT ON DATABASE app TO app;
            COMMENT ON DATABASE app IS 'the application';
            """, "app");

        await scenario.CopyAsync();

        const string settings = "SELECT coalesce(string_agg(coalesce(r.rolname, '*') || ' ' || array_to_string(s.setconfig, ','), '; ' ORDER BY r.rolname NULLS FIRST), '') " +
                                "FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = 'app'";
        var expected = await scenario.Source.ScalarAsync<string>(settings);
        Assert.Contains("search_path=", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await scenario.Target.ScalarAsync<string>(settings));
        const string properties = "SELECT array_to_string(datacl, ',') || ' / ' || shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'app'";
        Assert.Equal(await scenario.Source.ScalarAsync<string>(properties), await scenario.Target.ScalarAsync<string>(properties));
    }

    [SkippableFact]
    public async Task Copy_LargeObjectOwnerAndGrants_Arrive()
    {
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE ROLE lo_owner LOGIN");
        await scenario.Source.ExecuteAsync("CREATE ROLE lo_reader");
        await scenario.Source.ExecuteAsync("CREATE DATABASE blobs");
        await scenario.Source.ExecuteAsync("""
            SELECT lo_from_bytea(5001, '\xdeadbeef');
            ALTER LARGE OBJECT 5001 OWNER TO lo_owner;
            GRANT SELECT ON LARGE OBJECT 5001 TO lo_reader;
            """, "blobs");

        await scenario.CopyAsync();

        const string owners = "SELECT oid || ' ' || pg_get_userbyid(lomowner) || ' ' || coalesce(array_to_string(lomacl, ','), '-') FROM pg_largeobject_metadata";
        var expected = await scenario.Source.ScalarAsync<string>(owners, "blobs");
        Assert.StartsWith("5001 lo_owner ", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await scenario.Target.ScalarAsync<string>(owners, "blobs"));
    }
}
