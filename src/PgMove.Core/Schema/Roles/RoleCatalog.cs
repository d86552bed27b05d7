using Npgsql;
using PgMove.Core.Catalog;

namespace PgMove.Core.Schema.Roles;

/// <summary>
/// The roles of one server as the cutover compares them: attributes, password hashes (null when pg_authid is
/// unreadable, i.e. without superuser), memberships, per-role settings, and the databases those settings can name.
/// </summary>
internal sealed record RoleCatalog(
    IReadOnlyDictionary<string, RoleAttributes> Roles,
    IReadOnlyDictionary<string, string?>? Passwords,
    IReadOnlyList<RoleMembership> Memberships,
    IReadOnlyList<RoleSetting> Settings,
    IReadOnlySet<string> Databases)
{
    public static async Task<RoleCatalog> ReadAsync(NpgsqlConnection connection, bool readPasswords, CancellationToken ct)
    {
        var roles = new Dictionary<string, RoleAttributes>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(SqlResources.Get("Schema/Roles/Sql/role_attributes.sql"), connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var role = new RoleAttributes(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3),
                    reader.GetBoolean(4), reader.GetBoolean(5), reader.GetBoolean(6), reader.GetBoolean(7), reader.GetInt32(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10));
                roles[role.Name] = role;
            }
        }

        Dictionary<string, string?>? passwords = null;
        if (readPasswords)
        {
            passwords = new Dictionary<string, string?>(StringComparer.Ordinal);
            await using var command = new NpgsqlCommand(SqlResources.Get("Schema/Roles/Sql/role_passwords.sql"), connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                passwords[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        var memberships = new List<RoleMembership>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Schema/Roles/Sql/role_memberships.sql"), connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                memberships.Add(new RoleMembership(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        var settings = new List<RoleSetting>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Schema/Roles/Sql/role_settings.sql"), connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var entry = reader.GetString(2);
                var equals = entry.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                    continue;
                settings.Add(new RoleSetting(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), entry[..equals], entry[(equals + 1)..]));
            }
        }
        var databases = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(SqlResources.Get("Schema/Roles/Sql/role_databases.sql"), connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                databases.Add(reader.GetString(0));
        }
        return new RoleCatalog(roles, passwords, memberships, settings, databases);
    }
}
