using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;

namespace PgMove.Core.State;

/// <summary>
/// Migrations in an embedded SQLite file. The runner writes progress; any other process (status, stop,
/// cutover, the service) reads it and leaves requests for the runner. Connection specs, passwords
/// included, are sealed with <see cref="SecretBox"/>. One host: a runner is known by its pid and heartbeat.
/// </summary>
public sealed class MigrationStore : IMigrationStore
{
    private readonly SqliteConnection _connection;
    // A runner's threads (database workers, supervision, the heartbeat of a long step) share one store, and a
    // SQLite connection runs one command at a time.
    private readonly Lock _lock = new();
    private readonly SecretBox _secrets;

    private MigrationStore(SqliteConnection connection, SecretBox secrets)
    {
        _connection = connection;
        _secrets = secrets;
    }

    public static MigrationStore Open(string path)
    {
        var connection = SqliteFiles.Open(path, """
            CREATE TABLE IF NOT EXISTS migrations (
                id               TEXT PRIMARY KEY,
                method           TEXT NOT NULL,
                status           TEXT NOT NULL,
                created_at       TEXT NOT NULL,
                updated_at       TEXT NOT NULL,
                source           TEXT NOT NULL,
                target           TEXT NOT NULL,
                ignore_dbs       TEXT NOT NULL,
                secrets          BLOB NOT NULL,
                error            TEXT,
                fix              TEXT,
                request          TEXT,
                runner_pid       INTEGER,
                runner_heartbeat TEXT,
                result           TEXT,
                databases        TEXT NOT NULL DEFAULT '[]',
                runner_host      TEXT,
                warnings         TEXT NOT NULL DEFAULT '[]',
                switch_settings  BLOB,
                switch_step      TEXT,
                capture_ddl      INTEGER NOT NULL DEFAULT 1,
                limits           TEXT NOT NULL DEFAULT '{}'
            );
            """);
        AddMissingColumns(connection);
        return new MigrationStore(connection, SecretBox.ForStore(path));
    }

    /// <summary>State files written by an earlier pgmove lack the columns added since; SQLite has no ADD COLUMN IF NOT EXISTS.</summary>
    private static void AddMissingColumns(SqliteConnection connection)
    {
        foreach (var (column, definition) in new[] { ("runner_host", "TEXT"), ("warnings", "TEXT NOT NULL DEFAULT '[]'"), ("switch_settings", "BLOB"), ("switch_step", "TEXT"), ("capture_ddl", "INTEGER NOT NULL DEFAULT 1"), ("limits", "TEXT NOT NULL DEFAULT '{}'") })
        {
            if (HasColumn(connection, column))
                continue;
            using var command = connection.CreateCommand();
            command.CommandText = $"ALTER TABLE migrations ADD COLUMN {column} {definition}";
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException) when (HasColumn(connection, column))
            {
                // Another pgmove opening the same old file added it first.
            }
        }
    }

    private static bool HasColumn(SqliteConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pragma_table_info('migrations') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return (long)command.ExecuteScalar()! > 0;
    }

    public void Create(MigrationRecord record, ConnectionSpec source, ConnectionSpec target)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO migrations (id, method, status, created_at, updated_at, source, target, ignore_dbs, secrets, databases, warnings, capture_ddl, limits)
                VALUES ($id, $method, $status, $created, $created, $source, $target, $ignore, $secrets, $databases, $warnings, $capture_ddl, $limits)
                """;
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$method", record.Method.ToString().ToLowerInvariant());
            command.Parameters.AddWithValue("$status", Name(record.Status));
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$source", record.Source);
            command.Parameters.AddWithValue("$target", record.Target);
            command.Parameters.AddWithValue("$ignore", JsonSerializer.Serialize(record.IgnoreDatabases, StoreJson.Default.IReadOnlyListString));
            command.Parameters.AddWithValue("$secrets", _secrets.Seal(JsonSerializer.Serialize([source, target], StoreJson.Default.ConnectionSpecArray)));
            command.Parameters.AddWithValue("$databases", JsonSerializer.Serialize(record.Databases, StoreJson.Default.IReadOnlyListDatabaseRecord));
            command.Parameters.AddWithValue("$warnings", JsonSerializer.Serialize(record.Warnings, StoreJson.Default.IReadOnlyListString));
            command.Parameters.AddWithValue("$capture_ddl", record.CaptureDdl ? 1 : 0);
            command.Parameters.AddWithValue("$limits", JsonSerializer.Serialize(record.Limits, StoreJson.Default.RecordedLimits));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Writes everything the runner owns; the request column is left to <see cref="SetRequest"/>.</summary>
    public void Update(MigrationRecord record)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                UPDATE migrations SET status = $status, updated_at = $now, error = $error, fix = $fix, runner_pid = $pid,
                       runner_heartbeat = $heartbeat, result = $result, databases = $databases, limits = $limits,
                       runner_host = CASE WHEN $pid IS NULL THEN runner_host ELSE $host END
                WHERE id = $id
                """;
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$status", Name(record.Status));
            command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$error", (object?)record.Error ?? DBNull.Value);
            command.Parameters.AddWithValue("$fix", (object?)record.Fix ?? DBNull.Value);
            command.Parameters.AddWithValue("$pid", (object?)record.RunnerPid ?? DBNull.Value);
            command.Parameters.AddWithValue("$host", Environment.MachineName);
            command.Parameters.AddWithValue("$heartbeat", (object?)record.RunnerHeartbeat?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
            command.Parameters.AddWithValue("$result", (object?)record.Result ?? DBNull.Value);
            command.Parameters.AddWithValue("$databases", JsonSerializer.Serialize(record.Databases, StoreJson.Default.IReadOnlyListDatabaseRecord));
            command.Parameters.AddWithValue("$limits", JsonSerializer.Serialize(record.Limits, StoreJson.Default.RecordedLimits));
            command.ExecuteNonQuery();
        }
    }

    public void SetRequest(string id, string? request) => SetColumn(id, "request", request);

    public void SetSwitch(string id, SwitchSettings? settings) =>
        SetColumn(id, "switch_settings", settings is null ? null : _secrets.Seal(JsonSerializer.Serialize(settings, StoreJson.Default.SwitchSettings)));

    public SwitchSettings? ReadSwitch(string id)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT switch_settings FROM migrations WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteScalar() is byte[] sealedSettings ? JsonSerializer.Deserialize(_secrets.Open(sealedSettings), StoreJson.Default.SwitchSettings) : null;
        }
    }

    public void SetSwitchStep(string id, string? step) => SetColumn(id, "switch_step", step);

    /// <summary>One column that another process may write beside the runner's <see cref="Update"/> (a constant name, never input).</summary>
    private void SetColumn(string id, string column, object? value)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"UPDATE migrations SET {column} = $value WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$value", value ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    public MigrationRecord? Get(string id) => Query("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>The most recent migration, or the most recent between this source and target.</summary>
    public MigrationRecord? Latest(string? source = null, string? target = null) => source is null
        ? Query("ORDER BY created_at DESC LIMIT 1").FirstOrDefault()
        : Query("WHERE source = $s AND target = $t ORDER BY created_at DESC LIMIT 1", ("$s", source), ("$t", target!)).FirstOrDefault();

    public IReadOnlyList<MigrationRecord> All() => Query("ORDER BY created_at DESC");

    public (ConnectionSpec Source, ConnectionSpec Target) ReadSecrets(string id)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT secrets FROM migrations WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            var specs = JsonSerializer.Deserialize(_secrets.Open((byte[])command.ExecuteScalar()!), StoreJson.Default.ConnectionSpecArray)!;
            return (specs[0], specs[1]);
        }
    }

    /// <summary>Refuses only a live process other than this one whose heartbeat is under 15 s old.</summary>
    public bool TryClaim(MigrationRecord record) =>
        record.RunnerPid is not { } pid || pid == Environment.ProcessId || !IsAlive(pid) || !(record.RunnerHeartbeat > DateTimeOffset.UtcNow.AddSeconds(-15));

    public static string Name(MigrationStatus status) => status.ToString().ToLowerInvariant();

    private List<MigrationRecord> Query(string tail, params (string Name, string Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, method, status, created_at, updated_at, source, target, ignore_dbs, error, fix, request, runner_pid, runner_heartbeat, result, databases, runner_host, warnings, switch_step, capture_ddl, limits FROM migrations " + tail;
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value);
            using var reader = command.ExecuteReader();
            var list = new List<MigrationRecord>();
            while (reader.Read())
                list.Add(MigrationRows.Read(reader, static (row, i) => DateTimeOffset.Parse(row.GetString(i), CultureInfo.InvariantCulture)));
            return list;
        }
    }

    internal static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void Dispose() => _connection.Dispose();
}
