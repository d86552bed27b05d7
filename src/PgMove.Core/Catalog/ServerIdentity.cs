using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Core.Catalog;

/// <summary>Names a server stably across host aliases: its system identifier, or its address when that is unreadable.</summary>
public static class ServerIdentity
{
    public static async Task<string> ReadAsync(NpgsqlConnection connection, ConnectionSpec spec, CancellationToken ct)
    {
        try
        {
            await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/server_identity.sql"), connection);
            if (await command.ExecuteScalarAsync(ct) is string id)
                return "sysid:" + id;
        }
        catch (PostgresException)
        {
            // pg_control_system() may be reserved to superusers and pg_monitor.
        }
        return $"addr:{spec.Host}:{spec.Port}";
    }
}
