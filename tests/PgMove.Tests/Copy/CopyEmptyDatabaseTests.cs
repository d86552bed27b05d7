namespace PgMove.Tests.Copy;

/// <summary>
/// A database that holds nothing is finished at once (no pg_dump, no pg_restore, no ANALYZE); one whose only content
/// is a change that pg_dump carries without a table (the public schema's privileges or comment, a function, a
/// changed privilege of a built-in function) is not mistaken for empty and arrives whole.
/// </summary>
public sealed class CopyEmptyDatabaseTests
{
    [SkippableFact]
    public async Task Copy_EmptyDatabasesFinishAtOnce_AlmostEmptyOnesArriveWhole()
    {
        await using var scenario = await CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE ROLE auditor");
        foreach (var database in new[] { "blank", "grants", "comment", "routine", "builtin" })
            await scenario.Source.ExecuteAsync($"CREATE DATABASE {database}");
        await scenario.Source.ExecuteAsync("GRANT CREATE ON SCHEMA public TO PUBLIC", "grants");
        await scenario.Source.ExecuteAsync("COMMENT ON SCHEMA public IS 'not the standard comment'", "comment");
        await scenario.Source.ExecuteAsync("CREATE FUNCTION public.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'", "routine");
        await scenario.Source.ExecuteAsync("GRANT EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() TO auditor", "builtin");

        var run = await scenario.CopyAsync();

        foreach (var database in new[] { "blank", "postgres" })
        {
            Assert.Contains(run.For(database), e => e.Kind == "phase" && e.Message.StartsWith("nothing to copy", StringComparison.Ordinal));
            Assert.DoesNotContain(run.For(database), e => e.Message == "dumping the schema");
            Assert.Equal("done", scenario.JournalStatus(database));
        }
        foreach (var database in new[] { "grants", "comment", "routine", "builtin" })
            Assert.Contains(run.For(database), e => e.Message == "dumping the schema");
        Assert.Equal(1, await scenario.Target.ScalarAsync<int>("SELECT count(*)::int FROM pg_database WHERE datname = 'blank'"));

        const string publicSchema = "SELECT array_to_string(nspacl, ',') || ' / ' || coalesce(obj_description(oid, 'pg_namespace'), '-') FROM pg_namespace WHERE nspname = 'public'";
        foreach (var database in new[] { "grants", "comment" })
            Assert.Equal(await scenario.Source.ScalarAsync<string>(publicSchema, database), await scenario.Target.ScalarAsync<string>(publicSchema, database));
        Assert.Equal(42, await scenario.Target.ScalarAsync<int>("SELECT public.answer()", "routine"));
        Assert.True(await scenario.Target.ScalarAsync<bool>("SELECT has_function_privilege('auditor', 'pg_catalog.pg_reload_conf()', 'EXECUTE')", "builtin"));
    }
}
