using System.Globalization;
using System.Text;

namespace PgMove.Core.Connections;

/// <summary>
/// Looks a password up in a libpq password file (<c>hostname:port:database:username:password</c>,
/// <c>*</c> matches anything, <c>\</c> escapes <c>:</c> and <c>\</c>). First matching line wins, as in libpq.
/// </summary>
public static class PgPassFile
{
    public static string? Find(string path, string host, int port, string database, string username)
    {
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var fields = Split(line);
            if (fields.Count < 5)
                continue;
            if (Matches(fields[0], host)
                && Matches(fields[1], port.ToString(CultureInfo.InvariantCulture))
                && Matches(fields[2], database)
                && Matches(fields[3], username))
                return fields[4];
        }
        return null;
    }

    /// <summary>The file libpq would read: PGPASSFILE, else ~/.pgpass.</summary>
    public static string? DefaultPath(IEnvironment env) =>
        env.Get("PGPASSFILE") ?? (env.HomeDirectory is { } home ? Path.Combine(home, ".pgpass") : null);

    private static bool Matches(string pattern, string value) => pattern == "*" || pattern == value;

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (c == ':' && fields.Count < 4)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }
}
