using Microsoft.Data.Sqlite;

namespace PgMove.Core.State;

/// <summary>
/// Opens PgMove's SQLite files the same way: folder created, WAL journal (readers never block the runner), a busy
/// timeout, and the owner's alone (the file holds sealed passwords and the key sits beside it).
/// </summary>
internal static class SqliteFiles
{
    public static SqliteConnection Open(string path, string schema)
    {
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        OwnerOnly.CreateOrTightenFile(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;\n" + schema;
        command.ExecuteNonQuery();
        return connection;
    }
}
