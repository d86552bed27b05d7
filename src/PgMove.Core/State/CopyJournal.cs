using Microsoft.Data.Sqlite;

namespace PgMove.Core.State;

/// <summary>
/// Remembers, per source server, target server and database, whether a copy is under way or finished.
/// A database left "copying" by a crash or an interrupt is dropped on the target and copied again:
/// rows from an old snapshot must never mix with rows of a new one.
/// </summary>
public sealed class CopyJournal : IDisposable
{
    private readonly SqliteConnection _connection;

    private CopyJournal(SqliteConnection connection) => _connection = connection;

    public static CopyJournal Open(string path)
    {
        var connection = SqliteFiles.Open(path, """
            CREATE TABLE IF NOT EXISTS copied_databases (
                source_server TEXT NOT NULL,
                target_server TEXT NOT NULL,
                database      TEXT NOT NULL,
                status        TEXT NOT NULL CHECK (status IN ('copying', 'done')),
                updated_at    TEXT NOT NULL,
                PRIMARY KEY (source_server, target_server, database)
            );
            """);
        return new CopyJournal(connection);
    }

    public string? StatusOf(string sourceServer, string targetServer, string database)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT status FROM copied_databases WHERE source_server = $s AND target_server = $t AND database = $d";
        command.Parameters.AddWithValue("$s", sourceServer);
        command.Parameters.AddWithValue("$t", targetServer);
        command.Parameters.AddWithValue("$d", database);
        return command.ExecuteScalar() as string;
    }

    public void Mark(string sourceServer, string targetServer, string database, string status)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO copied_databases (source_server, target_server, database, status, updated_at)
            VALUES ($s, $t, $d, $status, $now)
            ON CONFLICT (source_server, target_server, database) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
            """;
        command.Parameters.AddWithValue("$s", sourceServer);
        command.Parameters.AddWithValue("$t", targetServer);
        command.Parameters.AddWithValue("$d", database);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
