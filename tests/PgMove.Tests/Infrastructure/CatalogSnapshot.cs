namespace PgMove.Tests.Infrastructure;

/// <summary>
/// Everything a migration tool could leave behind on a server, as text: databases, roles, slots,
/// publications, subscriptions, replication origins, and the relations, functions and extensions of every database.
/// One query per database (the harness opens a connection per query: 38 bad-input cases took two snapshots each).
/// </summary>
public static class CatalogSnapshot
{
    private const string ServerWide =
        "SELECT line FROM (" +
        "SELECT 1 AS part, 'db ' || datname AS line FROM pg_database UNION ALL " +
        "SELECT 2, 'role ' || rolname FROM pg_roles UNION ALL " +
        "SELECT 3, 'slot ' || slot_name FROM pg_replication_slots UNION ALL " +
        "SELECT 4, 'sub ' || subname FROM pg_subscription UNION ALL " +
        "SELECT 5, 'origin ' || roname FROM pg_replication_origin) s ORDER BY part, line";

    private const string PerDatabase =
        "SELECT line FROM (" +
        "SELECT 1 AS part, 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text AS line FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' UNION ALL " +
        "SELECT 2, 'pub ' || pubname FROM pg_publication UNION ALL " +
        "SELECT 3, 'ext ' || extname FROM pg_extension UNION ALL " +
        "SELECT 4, 'fn ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) s ORDER BY part, line";

    public static async Task<string> TakeAsync(PgCluster cluster)
    {
        var lines = new List<string>();
        lines.AddRange(await cluster.ColumnAsync(ServerWide));
        foreach (var database in await cluster.ColumnAsync("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1"))
        {
            lines.AddRange(await cluster.ColumnAsync(PerDatabase, database));
            lines.Add("-- " + database);
        }
        return string.Join('\n', lines);
    }
}
