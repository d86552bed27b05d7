using Npgsql;

namespace PgMove.Core.Connections;

/// <summary>Opens connections to a server, turning failures into errors that name the cause and the fix.</summary>
public static class PgConnector
{
    /// <param name="role">"source" or "target", for messages.</param>
    public static async Task<NpgsqlConnection> OpenAsync(ConnectionSpec spec, string role, CancellationToken ct, string? database = null)
    {
        var target = database is null ? spec : spec.WithDatabase(database);
        var connection = new NpgsqlConnection(target.ToNpgsqlConnectionString());
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync();
            throw ConnectionFailures.Classify(error, target, role);
        }
    }
}
