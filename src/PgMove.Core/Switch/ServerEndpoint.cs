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
}
