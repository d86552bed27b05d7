namespace PgMove.Core.Switch;

/// <summary>
/// A client of PgBouncer holding a server connection: who it is and, in <see cref="ServerPid"/>, the backend pid
/// on PostgreSQL (look it up in pg_stat_activity), so that a pause that times out names what held it.
/// </summary>
public sealed record PgBouncerSession(string Database, string User, string Address, int Port, string ApplicationName, string State, int? ServerPid)
{
    public override string ToString()
    {
        var app = ApplicationName.Length > 0 ? $" application \"{ApplicationName}\"" : "";
        var pid = ServerPid is { } p ? $", server pid {p}" : "";
        return $"{User}@{Address}:{Port}{app} on {Database} ({State}{pid})";
    }
}
