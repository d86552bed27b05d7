using Npgsql;

namespace PgMove.Core.Connections;

/// <summary>Opens connections to a server, turning failures into errors that name the cause and the fix.</summary>
public static class PgConnector
{
    /// <param name="role">"source" or "target", for messages.</param>
    /// <param name="tune">Adjusts the connection string, e.g. auto-preparation for the apply session.</param>
    public static async Task<NpgsqlConnection> OpenAsync(ConnectionSpec spec, string role, CancellationToken ct, string? database = null, Action<NpgsqlConnectionStringBuilder>? tune = null)
    {
        var target = database is null ? spec : spec.WithDatabase(database);
        var builder = new NpgsqlConnectionStringBuilder(target.ToNpgsqlConnectionString());
        tune?.Invoke(builder);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync();
            var failure = ConnectionFailures.Classify(error, target, role);
            if (failure.Code == "connection.no_hba_entry" && target.SslMode == TlsMode.Disable && await AcceptsTlsAsync(target, ct))
                throw ConnectionFailures.TlsRequired(target, role, error);
            throw failure;
        }
    }

    /// <summary>
    /// "no pg_hba.conf entry ... no encryption" means either no entry at all or hostssl entries only;
    /// one more attempt with TLS tells which, so the user is told the right fix.
    /// </summary>
    private static async Task<bool> AcceptsTlsAsync(ConnectionSpec spec, CancellationToken ct)
    {
        await using var probe = new NpgsqlConnection((spec with { SslMode = TlsMode.Require }).ToNpgsqlConnectionString(pooling: false));
        try
        {
            await probe.OpenAsync(ct);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}
