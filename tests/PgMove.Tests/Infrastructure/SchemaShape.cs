using System.Text.RegularExpressions;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// The user schema of one database as text, read from the catalogs (PgMove's bookkeeping schema left out):
/// columns with types, defaults and NOT NULL, constraints, indexes, views, enum values, sequences. Two servers
/// that hold the same schema give the same text.
/// </summary>
public static class SchemaShape
{
    private const string UserSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema', '_pgmove') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

    public static async Task<string> TakeAsync(PgCluster cluster, string database)
    {
        var lines = new List<string>();
        lines.AddRange(await cluster.ColumnAsync(
            "SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) " +
            "|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " +
            "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum " +
            $"WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {UserSchemas} ORDER BY 1", database));
        lines.AddRange(await cluster.ColumnAsync(
            "SELECT 'constraint ' || n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid) " +
            $"FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype <> 'n' AND {UserSchemas} ORDER BY 1", database));
        lines.AddRange(await cluster.ColumnAsync(
            "SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END " +
            $"FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {UserSchemas} ORDER BY 1", database));
        // PostgreSQL 16 and later print a view's columns without the table's name when it is not needed.
        lines.AddRange((await cluster.ColumnAsync(
            "SELECT 'view ' || n.nspname || '.' || c.relname || ' ' || pg_catalog.pg_get_viewdef(c.oid) " +
            $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {UserSchemas} ORDER BY 1", database))
            .Select(view => Regex.Replace(view, @"\b\w+\.(\w+)", "$1")));
        lines.AddRange(await cluster.ColumnAsync(
            "SELECT 'enum ' || n.nspname || '.' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) " +
            $"FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {UserSchemas} GROUP BY n.nspname, t.typname ORDER BY 1", database));
        lines.AddRange(await cluster.ColumnAsync(
            "SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' owner ' || pg_catalog.pg_get_userbyid(c.relowner) " +
            $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i') AND {UserSchemas} ORDER BY 1", database));
        return string.Join('\n', lines);
    }

    public static async Task AssertSameAsync(PgCluster source, PgCluster target, string database)
    {
        var expected = await TakeAsync(source, database);
        var actual = await TakeAsync(target, database);
        Assert.Equal(expected, actual);
    }
}
