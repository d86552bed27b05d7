using System.Globalization;
using System.Text;
using PgMove.Core.Errors;

namespace PgMove.Core.Connections;

/// <summary>
/// Turns what a user typed into a <see cref="ConnectionSpec"/>: a libpq URI (<c>postgres://</c>,
/// <c>postgresql://</c>), a libpq key=value string, or DigitalOcean's discrete fields. Whatever is
/// not given comes from the PG* environment variables and the password file, as libpq does.
/// Only known keys are accepted, so a string cannot smuggle in server options.
/// </summary>
public static class ConnectionSpecParser
{
    private static readonly HashSet<string> KnownKeys =
    [
        "host", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "connect_timeout", "passfile",
    ];

    /// <param name="text">The connection string; may be empty to take everything from the environment.</param>
    /// <param name="where">Names the input in error messages, e.g. <c>--source</c>.</param>
    /// <param name="env">Supplies PG* defaults and the password file.</param>
    public static ConnectionSpec Parse(string? text, string where, IEnvironment env)
    {
        text = text?.Trim() ?? "";
        Dictionary<string, string> values;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            values = ParseUri(text, where);
        else if (text.Length == 0)
            values = [];
        else if (text.Contains('=', StringComparison.Ordinal) && !HasOtherScheme(text))
            values = ParseKeyValue(text, where);
        else
            throw new UsageException(
                "connection.unrecognized",
                $"{where}: the connection string is neither a postgres:// URI nor key=value pairs.",
                "Write it as postgres://user@host:5432/dbname or as host=... port=... dbname=... user=...");

        foreach (var key in values.Keys)
        {
            if (!KnownKeys.Contains(key))
                throw new UsageException(
                    "connection.unknown_parameter",
                    $"{where}: the connection parameter '{key}' is not supported.",
                    $"Remove '{key}'. PgMove accepts: {string.Join(", ", KnownKeys.Order(StringComparer.Ordinal))}.");
        }

        return Build(values, where, env);
    }

    /// <summary>DigitalOcean's online-migration source fields; <paramref name="disableSsl"/> true means no TLS.</summary>
    public static ConnectionSpec FromFields(
        string? host, int? port, string? dbname, string? username, string? password, bool disableSsl, string where, IEnvironment env)
    {
        var values = new Dictionary<string, string>();
        if (!string.IsNullOrWhiteSpace(host)) values["host"] = host;
        if (port is not null) values["port"] = port.Value.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(dbname)) values["dbname"] = dbname;
        if (!string.IsNullOrEmpty(username)) values["user"] = username;
        if (password is not null) values["password"] = password;
        // DigitalOcean semantics: disable_ssl false means TLS; a stricter PGSSLMODE (verify-ca, verify-full) still applies.
        var fromEnvironment = env.Get("PGSSLMODE")?.Trim().ToLowerInvariant();
        values["sslmode"] = disableSsl ? "disable" : fromEnvironment is "require" or "verify-ca" or "verify-full" ? fromEnvironment : "require";
        return Build(values, where, env);
    }

    private static ConnectionSpec Build(Dictionary<string, string> values, string where, IEnvironment env)
    {
        string? Pick(string key, string envName) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : env.Get(envName);

        var host = Pick("host", "PGHOST") ?? "localhost";
        if (host.StartsWith('/'))
            throw new UsageException(
                "connection.unix_socket",
                $"{where}: host '{host}' is a Unix socket directory; PgMove connects over TCP so that TLS and the subscription method work.",
                "Give the server's host name or IP address, e.g. host=127.0.0.1.");
        if (host.Contains(',', StringComparison.Ordinal))
            throw new UsageException(
                "connection.multiple_hosts",
                $"{where}: several hosts were given ('{host}'); PgMove needs exactly one server.",
                "Name the primary server only.");

        var portText = Pick("port", "PGPORT") ?? "5432";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new UsageException(
                "connection.bad_port",
                $"{where}: port '{portText}' is not a TCP port number.",
                "Give a number between 1 and 65535, e.g. port=5432.");

        var user = Pick("user", "PGUSER") ?? Environment.UserName;
        var database = Pick("dbname", "PGDATABASE") ?? user;
        var sslMode = TlsModeNames.Parse(Pick("sslmode", "PGSSLMODE") ?? "require", where);

        var timeoutText = Pick("connect_timeout", "PGCONNECT_TIMEOUT") ?? "10";
        // Npgsql refuses a Timeout above 1024 s with an ArgumentOutOfRangeException at every connection attempt.
        if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) || timeout is < 1 or > 1024)
            throw new UsageException(
                "connection.bad_timeout",
                $"{where}: connect_timeout '{timeoutText}' is not a number of seconds between 1 and 1024.",
                "Give e.g. connect_timeout=10.");

        var password = values.TryGetValue("password", out var p) ? p : env.Get("PGPASSWORD");
        if (password is null)
        {
            var passfile = values.TryGetValue("passfile", out var f) ? f : PgPassFile.DefaultPath(env);
            if (passfile is not null)
                password = PgPassFile.Find(passfile, host, port, database, user);
        }

        return new ConnectionSpec
        {
            Host = host,
            Port = port,
            Database = database,
            Username = user,
            Password = password,
            SslMode = sslMode,
            SslRootCert = Pick("sslrootcert", "PGSSLROOTCERT"),
            ConnectTimeoutSeconds = timeout,
        };
    }

    /// <summary>
    /// A URI of another scheme (jdbc:postgresql://..., http://...) may hold '=' in its query; read as key=value
    /// it would fail on a nonsense key such as 'jdbc:postgresql://h/db?sslmode' instead of saying what is wrong.
    /// </summary>
    private static bool HasOtherScheme(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 && scheme < text.IndexOf('=', StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ParseUri(string text, string where)
    {
        // Uri does not know the postgres scheme's rules for IPv6 and percent-encoding everywhere; parse by hand.
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);

        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryStart >= 0 ? rest[(queryStart + 1)..] : "";
        rest = queryStart >= 0 ? rest[..queryStart] : rest;

        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var path = pathStart >= 0 ? rest[(pathStart + 1)..] : "";
        var authority = pathStart >= 0 ? rest[..pathStart] : rest;

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon >= 0 ? userInfo[..colon] : userInfo, where);
            if (user.Length > 0) values["user"] = user;
            if (colon >= 0) values["password"] = Decode(userInfo[(colon + 1)..], where);
        }

        string hostPart = authority, portPart = "";
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                throw new UsageException("connection.bad_uri", $"{where}: the IPv6 address in the URI has no closing ']'.", "Write IPv6 hosts as [::1].");
            hostPart = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.StartsWith(':')) portPart = after[1..];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon >= 0)
            {
                hostPart = authority[..colon];
                portPart = authority[(colon + 1)..];
            }
        }
        if (hostPart.Length > 0) values["host"] = Decode(hostPart, where);
        if (portPart.Length > 0) values["port"] = portPart;
        if (path.Length > 0) values["dbname"] = Decode(path, where);

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new UsageException("connection.bad_uri", $"{where}: the URI parameter '{Decode(pair, where)}' has no value.", "Write parameters as ?name=value&name=value.");
            values[Decode(pair[..eq], where)] = Decode(pair[(eq + 1)..], where);
        }
        return values;
    }

    private static string Decode(string value, string where)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            throw new UsageException("connection.bad_uri", $"{where}: the URI holds an invalid percent-encoding.", "Percent-encode special characters, e.g. @ as %40.");
        }
    }

    private static Dictionary<string, string> ParseKeyValue(string text, string where)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;

            var keyStart = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i])) i++;
            var key = text[keyStart..i];
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length || text[i] != '=')
                throw new UsageException("connection.bad_keyvalue", $"{where}: '{key}' is missing '=' and a value.", "Write parameters as key=value, quoting values with spaces: password='a b'.");
            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;

            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length) value.Append(text[i++]);
                    else if (c == '\'') { closed = true; break; }
                    else value.Append(c);
                }
                if (!closed)
                    throw new UsageException("connection.bad_keyvalue", $"{where}: the quoted value of '{key}' has no closing quote.", "Close the value with ' and escape quotes inside it as \\'.");
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length) value.Append(text[i++]);
                    else value.Append(c);
                }
            }
            values[key] = value.ToString();
        }
        return values;
    }
}
