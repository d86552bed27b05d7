namespace PgMove.Core.Catalog;

/// <summary>
/// What could make a server refuse PgMove's writes, read over one connection: whether it is a standby, the
/// session's default read-only setting and the layer it came from (pg_settings.source), and every per-database
/// or per-role read-only setting.
/// </summary>
public sealed record ReadOnlyState(
    bool InRecovery,
    bool SessionReadOnly,
    string SessionSource,
    string Database,
    string Role,
    IReadOnlyList<ReadOnlySetting> Settings)
{
    /// <summary>
    /// Whether sessions of <paramref name="role"/> in <paramref name="database"/> start read-only, and which setting
    /// makes them so (null: none does). PostgreSQL applies the most specific setting: the role in the database,
    /// the role, the database, then the server's own configuration.
    /// </summary>
    public ReadOnlySetting? ReadOnlyBy(string database, string role)
    {
        var layers = new (string? Database, string? Role)[] { (database, role), (null, role), (database, null), (null, null) };
        foreach (var (db, r) in layers)
        {
            var setting = Settings.FirstOrDefault(s => s.Database == db && s.Role == r);
            if (setting is not null)
                return setting.ReadOnly ? setting : null;
        }
        return ServerReadOnly ? new ReadOnlySetting(null, null, true) : null;
    }

    /// <summary>
    /// The server-wide default (configuration file, command line). The session's own value tells it unless a
    /// database or role setting decided the session's value; then the server's is unknown here and taken as off.
    /// </summary>
    public bool ServerReadOnly => SessionReadOnly && SessionSource is not ("database" or "user" or "database user" or "global");

    /// <summary>PostgreSQL's boolean spellings (on, true, yes, 1 and unique prefixes), as ALTER ... SET stores them.</summary>
    public static bool ParseBoolean(string value)
    {
        var v = value.Trim().Trim('\'', '"').ToLowerInvariant();
        return v == "1" || v == "on" || (v.Length > 0 && ("true".StartsWith(v, StringComparison.Ordinal) || "yes".StartsWith(v, StringComparison.Ordinal)));
    }
}
