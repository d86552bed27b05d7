namespace PgMove.Tests.Infrastructure;

/// <summary>
/// A test-side oracle independent of PgMove's own verify: every user table of a database, hashed as the
/// sorted text of its rows on both servers. For test-sized data only.
/// </summary>
public static class DataComparer
{
    public static async Task AssertSameAsync(PgCluster source, PgCluster target, string database)
    {
        const string tables = "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_pgmove') ORDER BY 1";
        var sourceTables = await source.ColumnAsync(tables, database);
        var targetTables = await target.ColumnAsync(tables, database);
        Assert.Equal(sourceTables, targetTables);
        foreach (var table in sourceTables)
        {
            var sql = $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t";
            var expected = await source.ScalarAsync<string>("SET TimeZone = 'UTC'; SET extra_float_digits = 3; " + sql, database);
            var actual = await target.ScalarAsync<string>("SET TimeZone = 'UTC'; SET extra_float_digits = 3; " + sql, database);
            Assert.True(expected == actual, $"{database}.{table} differs: source {expected}, target {actual}");
        }
    }
}
