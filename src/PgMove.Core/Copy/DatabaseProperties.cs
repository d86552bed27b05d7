using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>
/// Carries what pg_dump leaves out unless it creates the database itself: ALTER DATABASE / ALTER ROLE … IN DATABASE
/// settings, the database's grants (a REVOKE CONNECT FROM PUBLIC must survive), and its comment.
/// </summary>
public static class DatabaseProperties
{
    public static async Task CopyAsync(ConnectionSpec source, ConnectionSpec target, string database, CancellationToken ct)
    {
        string[] settings, grants;
        bool hasAcl;
        string? comment;
        await using (var connection = await PgConnector.OpenAsync(source, "source", ct))
        await using (var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/database_properties.sql"), connection))
        {
            command.Parameters.AddWithValue("name", database);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            settings = reader.IsDBNull(0) ? [] : reader.GetFieldValue<string[]>(0);
            hasAcl = reader.GetBoolean(1);
            grants = reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2);
            comment = reader.IsDBNull(3) ? null : reader.GetString(3);
        }

        var name = Identifiers.Quote(database);
        await using var targetConnection = await PgConnector.OpenAsync(target, "target", ct);
        foreach (var setting in settings.Select(ParseRow))
        {
            var equals = setting.Config.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = (setting.Config[..equals], setting.Config[(equals + 1)..]);
            // A read-only default (a cutover's freeze, a database kept read-only) would refuse the restore and
            // freeze the new server: never carried.
            if (key.Equals("default_transaction_read_only", StringComparison.OrdinalIgnoreCase))
                continue;
            var scope = setting.Role.Length == 0 ? $"DATABASE {name}" : $"ROLE {Identifiers.Quote(setting.Role)} IN DATABASE {name}";
            // set_config parses the value as the server does (lists included); FROM CURRENT stores exactly that.
            await using var command = new NpgsqlCommand($"SELECT pg_catalog.set_config(@key, @value, false); ALTER {scope} SET {Identifiers.Quote(key)} FROM CURRENT; RESET {Identifiers.Quote(key)}", targetConnection);
            command.Parameters.AddWithValue("key", key);
            command.Parameters.AddWithValue("value", value);
            await command.ExecuteNonQueryAsync(ct);
        }
        if (hasAcl)
        {
            await Execute(targetConnection, $"REVOKE ALL ON DATABASE {name} FROM PUBLIC", ct);
            foreach (var grant in grants)
            {
                var bar = grant.LastIndexOf('|');
                var grantee = grant[..bar];
                await Execute(targetConnection, $"GRANT {grant[(bar + 1)..]} ON DATABASE {name} TO {(grantee.Length == 0 ? "PUBLIC" : grantee)}", ct);
            }
        }
        if (comment is not null)
            await Execute(targetConnection, $"COMMENT ON DATABASE {name} IS {Identifiers.Literal(comment)}", ct);
    }

    /// <summary>Parses the text of ROW(role, config): ("role","key=value").</summary>
    private static (string Role, string Config) ParseRow(string row)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 1; i < row.Length - 1; i++)
        {
            var c = row[i];
            if (quoted && c == '"' && i + 1 < row.Length - 1 && row[i + 1] == '"') { current.Append('"'); i++; }
            else if (quoted && c == '\\' && i + 1 < row.Length - 1) { current.Append(row[++i]); }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return (fields[0], fields[1]);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
