namespace PgMove.Tests.Infrastructure;

/// <summary>
/// Everything a migration tool could leave behind on a server, as text: databases, roles, slots,
/// publications, subscriptions, replication origins, and the relations, functions and extensions of every database.
/// </summary>
public static class CatalogSnapshot
{
    public static async Task<string> TakeAsync(PgCluster cluster)
    {
        var lines = new List<string>();
        lines.AddRange(await cluster.ColumnAsync("SELECT 'db ' || datname FROM pg_database ORDER BY 1"));
        lines.AddRange(await cluster.ColumnAsync("SELECT 'role ' || rolname FROM pg_roles ORDER BY 1"));
        lines.AddRange(await cluster.ColumnAsync("SELECT 'slot ' || slot_name FROM pg_replication_slots ORDER BY 1"));
        lines.AddRange(await cluster.ColumnAsync("SELECT 'sub ' || subname FROM pg_subscription ORDER BY 1"));
        lines.AddRange(await cluster.ColumnAsync("SELECT 'origin ' || roname FROM pg_replication_origin ORDER BY 1"));
        foreach (var database in await cluster.ColumnAsync("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1"))
        {
            lines.AddRange(await cluster.ColumnAsync(
                "SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1", database));
            lines.AddRange(await cluster.ColumnAsync("SELECT 'pub ' || pubname FROM pg_publication ORDER BY 1", database));
            lines.AddRange(await cluster.ColumnAsync("SELECT 'ext ' || extname FROM pg_extension ORDER BY 1", database));
            lines.AddRange(await cluster.ColumnAsync(
                "SELECT 'fn ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1", database));
            lines.Add("-- " + database);
        }
        return string.Join('\n', lines);
    }
}
