using System.Globalization;
using Npgsql;

namespace PgMove.Core.Connections;

/// <summary>
/// Where a server is and how to log in. Immutable. <see cref="ToString"/> never shows the password,
/// so a spec can be logged or put in an exception message safely.
/// </summary>
public sealed record ConnectionSpec
{
    /// <summary>Host name or IP address. The default value is <c>localhost</c>.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port. The default value is 5432.</summary>
    public int Port { get; init; } = 5432;

    /// <summary>The database PgMove connects to first (the "maintenance" database).</summary>
    public required string Database { get; init; }

    public required string Username { get; init; }

    /// <summary>Kept only in memory; never printed.</summary>
    public string? Password { get; init; }

    /// <summary>The default value is <see cref="TlsMode.Require"/>: TLS unless explicitly disabled.</summary>
    public TlsMode SslMode { get; init; } = TlsMode.Require;

    /// <summary>CA certificate file for verify-ca / verify-full.</summary>
    public string? SslRootCert { get; init; }

    /// <summary>Seconds to wait for a connection. The default value is 10.</summary>
    public int ConnectTimeoutSeconds { get; init; } = 10;

    /// <summary>The same server, another database.</summary>
    public ConnectionSpec WithDatabase(string database) => this with { Database = database };

    /// <summary>
    /// An Npgsql connection string: application_name <c>pgmove</c>, an empty search_path
    /// (so no object of the user's can shadow a catalog function), and TLS as asked.
    /// </summary>
    public string ToNpgsqlConnectionString(bool pooling = true)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = Username,
            Password = Password,
            SslMode = SslMode switch
            {
                TlsMode.Disable => Npgsql.SslMode.Disable,
                TlsMode.Allow => Npgsql.SslMode.Allow,
                TlsMode.Prefer => Npgsql.SslMode.Prefer,
                TlsMode.Require => Npgsql.SslMode.Require,
                TlsMode.VerifyCa => Npgsql.SslMode.VerifyCA,
                TlsMode.VerifyFull => Npgsql.SslMode.VerifyFull,
                _ => throw new ArgumentOutOfRangeException(nameof(SslMode)),
            },
            RootCertificate = SslRootCert,
            Timeout = ConnectTimeoutSeconds,
            CommandTimeout = 0,
            ApplicationName = "pgmove",
            Options = "-c search_path=",
            Pooling = pooling,
            // Our own .pgpass lookup already ran; do not let Npgsql read other files behind our back.
            Passfile = null,
            // Error details can contain row values; keep them out of messages.
            IncludeErrorDetail = false,
        };
        return builder.ConnectionString;
    }

    /// <summary>
    /// libpq environment variables for child processes (pg_dump, pg_restore): the password travels in
    /// the environment, never on the command line, where every user of the machine could read it.
    /// </summary>
    public IReadOnlyDictionary<string, string> ToLibpqEnvironment()
    {
        var env = new Dictionary<string, string>
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = Database,
            ["PGUSER"] = Username,
            ["PGSSLMODE"] = TlsModeNames.ToLibpq(SslMode),
            ["PGAPPNAME"] = "pgmove",
            ["PGCONNECT_TIMEOUT"] = ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["PGOPTIONS"] = "",
        };
        if (Password is not null)
            env["PGPASSWORD"] = Password;
        if (SslRootCert is not null)
            env["PGSSLROOTCERT"] = SslRootCert;
        return env;
    }

    /// <summary>A display form without the password, e.g. <c>postgres://app@db.example.com:5432/app?sslmode=require</c>.</summary>
    public override string ToString()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        return $"postgres://{Uri.EscapeDataString(Username)}@{host}:{Port}/{Uri.EscapeDataString(Database)}?sslmode={TlsModeNames.ToLibpq(SslMode)}";
    }
}
