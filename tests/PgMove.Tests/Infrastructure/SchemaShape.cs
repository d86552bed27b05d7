using System.Text.RegularExpressions;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// The user schema of one database as text, read from the catalogs (PgMove's bookkeeping schema left out):
/// columns with types, defaults and NOT NULL, constraints, indexes, views, enum values, sequences, partitions,
/// row-level security and policies, privileges, functions and procedures, triggers, comments, domains, composite
/// types and extensions. Two servers that hold the same schema give the same text. What an extension's script
/// made is left out (its version may differ between majors), as are built-in objects (OIDs below 16384).
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
            $"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'c') AND {UserSchemas} ORDER BY 1", database));
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
        lines.AddRange(await MoreAsync(cluster, database));
        return string.Join('\n', lines);
    }

    /// <summary>Objects without a column, constraint or index of their own: one query per kind, same ordering rule.</summary>
    private static async Task<List<string>> MoreAsync(PgCluster cluster, string database)
    {
        // An object an extension's script made (a function of pg_trgm, the type of citext).
        static string NotInExtension(string classId, string objectId) =>
            $"NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = {classId} AND e.objid = {objectId} AND e.deptype = 'e')";
        string[] queries =
        [
            "SELECT 'extension ' || x.extname || ' in ' || n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace ORDER BY 1",
            "SELECT 'partition ' || n.nspname || '.' || c.relname || ' of ' || i.inhparent::regclass::text || ' ' || pg_catalog.pg_get_expr(c.relpartbound, c.oid) " +
            $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_inherits i ON i.inhrelid = c.oid WHERE c.relispartition AND {UserSchemas} ORDER BY 1",
            "SELECT 'partitioned ' || n.nspname || '.' || c.relname || ' ' || pg_catalog.pg_get_partkeydef(c.oid) " +
            $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p' AND {UserSchemas} ORDER BY 1",
            "SELECT 'security ' || n.nspname || '.' || c.relname || ' rls ' || c.relrowsecurity || ' force ' || c.relforcerowsecurity " +
            $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND {UserSchemas} ORDER BY 1",
            "SELECT 'policy ' || p.schemaname || '.' || p.tablename || ' ' || p.policyname || ' ' || p.permissive || ' ' || p.cmd || ' ' || p.roles::text " +
            "|| ' using ' || coalesce(p.qual, '-') || ' check ' || coalesce(p.with_check, '-') FROM pg_policies p ORDER BY 1",
            // The entries of an ACL sorted: a GRANT replayed by pg_restore may put them in another order. MAINTAIN
            // (PostgreSQL 17) is among an owner's privileges on 17 and later only.
            "SELECT 'acl ' || n.nspname || '.' || c.relname || ' ' || (SELECT string_agg(pg_catalog.pg_get_userbyid(a.grantee) || '=' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ',' ORDER BY 1) " +
            $"FROM pg_catalog.aclexplode(c.relacl) a WHERE a.privilege_type <> 'MAINTAIN') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relacl IS NOT NULL AND {UserSchemas} ORDER BY 1",
            "SELECT 'column acl ' || n.nspname || '.' || c.relname || '.' || t.attname || ' ' || (SELECT string_agg(pg_catalog.pg_get_userbyid(a.grantee) || '=' || a.privilege_type, ',' ORDER BY 1) " +
            "FROM pg_catalog.aclexplode(t.attacl) a) FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
            $"WHERE t.attacl IS NOT NULL AND NOT t.attisdropped AND {UserSchemas} ORDER BY 1",
            "SELECT 'default acl ' || pg_catalog.pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '-') || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text " +
            "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ORDER BY 1",
            // The whole definition: language, volatility, body, owner's rights.
            "SELECT 'function ' || p.oid::regprocedure::text || ' ' || p.prokind::text || ' owner ' || pg_catalog.pg_get_userbyid(p.proowner) || ' ' || pg_catalog.pg_get_functiondef(p.oid) " +
            $"FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p') AND {UserSchemas} AND {NotInExtension("'pg_proc'::regclass", "p.oid")} ORDER BY 1",
            "SELECT 'trigger ' || c.relname || ' ' || t.tgenabled::text || ' ' || pg_catalog.pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " +
            $"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND {UserSchemas} ORDER BY 1",
            "SELECT 'domain ' || n.nspname || '.' || t.typname || ' ' || pg_catalog.format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END " +
            "|| coalesce(' default ' || t.typdefault, '') || coalesce((SELECT ' ' || string_agg(k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid), ', ' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '') " +
            $"FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND {UserSchemas} ORDER BY 1",
            "SELECT 'comment ' || pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description FROM pg_description d " +
            $"WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass AND {NotInExtension("d.classoid", "d.objoid")} ORDER BY 1",
        ];
        var lines = new List<string>();
        foreach (var query in queries)
            lines.AddRange(await cluster.ColumnAsync(query, database));
        return lines;
    }

    public static async Task AssertSameAsync(PgCluster source, PgCluster target, string database)
    {
        var expected = await TakeAsync(source, database);
        var actual = await TakeAsync(target, database);
        if (expected == actual)
            return;
        // The lines that differ, rather than where two long texts part.
        var sourceLines = expected.Split('\n');
        var targetLines = actual.Split('\n');
        Assert.Fail($"The schema of {database} differs.\nOnly on the source:\n{string.Join('\n', sourceLines.Except(targetLines))}\nOnly on the target:\n{string.Join('\n', targetLines.Except(sourceLines))}");
    }
}
