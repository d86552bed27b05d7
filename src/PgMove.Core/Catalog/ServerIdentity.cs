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

    /// <summary>The identity, read with the batch's other queries (the query itself tests the privilege).</summary>
    public static Func<string> Add(CatalogBatch batch, ConnectionSpec spec)
    {
        var rows = batch.Add(SqlResources.Get("Catalog/Sql/server_identity.sql"), r => r.IsDBNull(0) ? null : r.GetString(0));
        return () => rows() is [{ } id] ? "sysid:" + id : $"addr:{spec.Host}:{spec.Port}";
    }
}
