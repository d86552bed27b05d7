namespace PgMove.Core.Schema.Roles;

/// <summary>
/// Roles the cutover never changes on the target: PostgreSQL's own (pg_*) and those managed services keep for
/// themselves (their admins and replication roles), which a source on the same service also has. The target's
/// connecting role and its first superuser are added by <see cref="RoleGuard"/>.
/// </summary>
internal static class ReservedRoles
{
    private static readonly string[] Prefixes = ["pg_", "rds_", "rdsadmin", "rdsrepladmin", "rdstopmgr", "cloudsql", "azure_", "alloydb", "_aiven", "aiven_", "_dodb", "supabase_"];

    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "azuresu", "replication", "doadmin", "avnadmin", "rdsproxyadmin", "tsdbadmin", "neon_superuser", "cloud_admin",
    };

    public static bool IsReserved(string role) =>
        Names.Contains(role) || Prefixes.Any(prefix => role.StartsWith(prefix, StringComparison.Ordinal));
}
