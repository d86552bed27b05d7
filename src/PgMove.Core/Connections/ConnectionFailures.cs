using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using PgMove.Core.Errors;

namespace PgMove.Core.Connections;

/// <summary>
/// Turns what Npgsql throws while connecting into a failure that says which of the usual causes it is
/// (unknown host, refused, timeout, bad password, no pg_hba entry, TLS) and how to fix it.
/// </summary>
public static class ConnectionFailures
{
    public static PgMoveException Classify(Exception error, ConnectionSpec spec, string role)
    {
        var where = $"{role} {spec.Host}:{spec.Port}";
        var socket = Find<SocketException>(error);
        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => new PgMoveException(
                    "connection.unknown_host", $"{role}: the host name '{spec.Host}' cannot be resolved.", "Check the spelling of the host name, or use the server's IP address.", error),
                SocketError.ConnectionRefused => new PgMoveException(
                    "connection.refused", $"{where}: connection refused; nothing listens on that port.", "Check that PostgreSQL runs, that the port is right, and that listen_addresses includes the address you connect to.", error),
                SocketError.TimedOut => Timeout(where, spec, error),
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => new PgMoveException(
                    "connection.unreachable", $"{where}: the network cannot reach this host.", "Check routes and firewalls between PgMove and the server.", error),
                _ => new PgMoveException("connection.failed", $"{where}: the connection failed ({socket.SocketErrorCode}).", "Check the host, the port and the network in between.", error),
            };
        }

        if (Find<TimeoutException>(error) is not null || error is NpgsqlException { Message: var m } && m.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
            return Timeout(where, spec, error);

        if (Find<AuthenticationException>(error) is not null)
            return new PgMoveException(
                "connection.tls_verify_failed", $"{where}: the server's TLS certificate could not be verified (sslmode={TlsModeNames.ToLibpq(spec.SslMode)}).",
                "Give the CA certificate with sslrootcert=PATH, or use sslmode=require to encrypt without verifying the certificate.", error);

        if (Find<PostgresException>(error) is { } pg)
        {
            switch (pg.SqlState)
            {
                case PostgresErrorCodes.InvalidPassword:
                    return new PgMoveException("connection.bad_password", $"{where}: password authentication failed for user '{spec.Username}'.", "Check the password (given in the connection string, PGPASSWORD or the .pgpass file).", error);
                case PostgresErrorCodes.InvalidAuthorizationSpecification when pg.MessageText.Contains("pg_hba.conf", StringComparison.Ordinal):
                    return new PgMoveException("connection.no_hba_entry", $"{where}: no pg_hba.conf entry lets user '{spec.Username}' connect to database '{spec.Database}' from PgMove's address: {pg.MessageText}", "Add a line such as 'hostssl all USER ADDRESS/32 scram-sha-256' to pg_hba.conf on the server and reload it (SELECT pg_reload_conf()).", error);
                case PostgresErrorCodes.InvalidAuthorizationSpecification:
                    return new PgMoveException("connection.role_missing", $"{where}: {pg.MessageText}.", $"Create the role '{spec.Username}' on the server, or connect as an existing one.", error);
                case PostgresErrorCodes.InvalidCatalogName:
                    return new PgMoveException("connection.database_missing", $"{where}: the database '{spec.Database}' does not exist.", "Name an existing database to connect to first (dbname), e.g. postgres.", error);
                case PostgresErrorCodes.TooManyConnections:
                case PostgresErrorCodes.CannotConnectNow:
                    return new PgMoveException("connection.server_busy", $"{where}: the server refuses connections now: {pg.MessageText}.", "Wait for the server to finish starting, or raise max_connections.", error);
                default:
                    return new PgMoveException("connection.rejected", $"{where}: the server rejected the connection: {pg.MessageText} ({pg.SqlState}).", "Check the user's rights on the server.", error);
            }
        }

        if (error is NpgsqlException npgsql)
        {
            if (npgsql.Message.Contains("No password", StringComparison.OrdinalIgnoreCase))
                return new PgMoveException("connection.no_password", $"{where}: the server asks for a password and none was given for user '{spec.Username}'.", "Give the password in the connection string, in PGPASSWORD, or in a .pgpass file.", error);
            if (npgsql.Message.Contains("SSL", StringComparison.Ordinal) || npgsql.Message.Contains("TLS", StringComparison.Ordinal))
                return new PgMoveException("connection.tls_unavailable", $"{where}: TLS was required (sslmode={TlsModeNames.ToLibpq(spec.SslMode)}) but the server does not offer it.", "Turn on ssl in the server's postgresql.conf with a certificate, or, on a trusted network only, disable TLS: sslmode=disable in the connection string (\"disable_ssl\": true in an API request).", error);
        }

        return new PgMoveException("connection.failed", $"{where}: the connection failed: {error.Message}", "Check the host, port, credentials and TLS settings.", error);
    }

    /// <summary>The server's pg_hba.conf accepts this client only over TLS, and TLS was disabled.</summary>
    public static PgMoveException TlsRequired(ConnectionSpec spec, string role, Exception error) => new(
        "connection.tls_required", $"{role} {spec.Host}:{spec.Port}: the server only accepts TLS connections, and TLS was disabled (sslmode=disable).",
        "Remove sslmode=disable from the connection string (in an API request, set \"disable_ssl\": false) so that PgMove connects with TLS.", error);

    private static PgMoveException Timeout(string where, ConnectionSpec spec, Exception error) => new(
        "connection.timeout", $"{where}: no answer within {spec.ConnectTimeoutSeconds} s.",
        "Check that a firewall lets PgMove reach the port, or raise connect_timeout.", error);

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
                return found;
        }
        return null;
    }
}
