using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>A PostgreSQL server as a PgBouncer database entry names it: host (empty for PgBouncer's Unix socket) and port.</summary>
public sealed record ServerEndpoint(string Host, int Port)
{
    private static readonly HashSet<string> Local = new(StringComparer.OrdinalIgnoreCase) { "", "localhost", "127.0.0.1", "::1" };

    /// <summary>
    /// The same server: the same name, or two names of this machine (localhost, 127.0.0.1, ::1, PgBouncer's
    /// socket). Other aliases (DNS names, other addresses of one host) are not resolved: list them as sources.
    /// </summary>
    public bool SameAs(ServerEndpoint other) =>
        Port == other.Port && (string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) || (Local.Contains(Host) && Local.Contains(other.Host)));

    public override string ToString() => $"{(Host.Length == 0 ? "(socket)" : Host)}:{Port}";

    /// <summary>
    /// "host:port" ("[::1]:6432" for an IPv6 address; the port defaults to 5432) as an operator writes where PgBouncer
    /// reaches a server by another address than PgMove does. <paramref name="where"/> names the option in the error.
    /// </summary>
    /// <exception cref="UsageException">Not a host and port.</exception>
    public static ServerEndpoint Parse(string text, string where)
    {
        var value = text.Trim();
        string host;
        var port = "5432";
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            host = close > 1 ? value[1..close] : "";
            var rest = close > 0 ? value[(close + 1)..] : "x";
            if (rest.Length > 0)
                port = rest.StartsWith(':') ? rest[1..] : "x";
        }
        else
        {
            var colon = value.LastIndexOf(':');
            host = colon < 0 ? value : value[..colon];
            if (colon >= 0)
                port = value[(colon + 1)..];
        }
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '=' or ',' or '\'' or '"' or ';' or '/')
            || !int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            throw new UsageException("usage.bad_address", $"{where} '{text}' is not a host and port.",
                $"Give the address as PgBouncer reaches that server, e.g. {where} 10.0.0.5:5432 (an IPv6 address in brackets: [fd00::5]:5432).");
        return new ServerEndpoint(host, number);
    }
}
