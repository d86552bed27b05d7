using System.Data.Common;
using System.Text.Json;
using PgMove.Core.Migrations;

namespace PgMove.Core.State;

/// <summary>
/// A migrations row as both stores select it (id, method, status, created_at, updated_at, source, target,
/// ignore_dbs, error, fix, request, runner_pid, runner_heartbeat, result, databases, runner_host, in that order). Only the
/// timestamps differ: SQLite keeps text, PostgreSQL timestamptz, so each store says how it reads one.
/// </summary>
internal static class MigrationRows
{
    public static MigrationRecord Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) => new()
    {
        Id = reader.GetString(0),
        Method = Enum.Parse<MigrationMethod>(reader.GetString(1), ignoreCase: true),
        Status = Enum.Parse<MigrationStatus>(reader.GetString(2), ignoreCase: true),
        CreatedAt = time(reader, 3),
        UpdatedAt = time(reader, 4),
        Source = reader.GetString(5),
        Target = reader.GetString(6),
        IgnoreDatabases = JsonSerializer.Deserialize(reader.GetString(7), StoreJson.Default.StringArray)!,
        Error = reader.IsDBNull(8) ? null : reader.GetString(8),
        Fix = reader.IsDBNull(9) ? null : reader.GetString(9),
        Request = reader.IsDBNull(10) ? null : reader.GetString(10),
        RunnerPid = reader.IsDBNull(11) ? null : reader.GetInt32(11),
        RunnerHeartbeat = reader.IsDBNull(12) ? null : time(reader, 12),
        Result = reader.IsDBNull(13) ? null : reader.GetString(13),
        Databases = JsonSerializer.Deserialize(reader.GetString(14), StoreJson.Default.DatabaseRecordArray)!,
        RunnerHost = reader.IsDBNull(15) ? null : reader.GetString(15),
        // Added after both stores' other columns (the PostgreSQL store reads its lease columns at 16 and 17): by name.
        Warnings = JsonSerializer.Deserialize(reader.GetString(reader.GetOrdinal("warnings")), StoreJson.Default.StringArray)!,
        SwitchStep = reader.IsDBNull(reader.GetOrdinal("switch_step")) ? null : reader.GetString(reader.GetOrdinal("switch_step")),
        // SQLite keeps 0 or 1, PostgreSQL a boolean.
        CaptureDdl = Convert.ToBoolean(reader.GetValue(reader.GetOrdinal("capture_ddl")), System.Globalization.CultureInfo.InvariantCulture),
        Limits = JsonSerializer.Deserialize(reader.GetString(reader.GetOrdinal("limits")), StoreJson.Default.RecordedLimits)!,
    };
}
