using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;

namespace PgMove.Cli.Output;

/// <summary>
/// The command line's JSON shapes (<c>status --json</c>, <c>copy --json</c>), with serializers generated at build
/// time: the installed pgmove is a native program, which cannot build them by reflection at run time.
/// </summary>
[JsonSerializable(typeof(MigrationJson))]
[JsonSerializable(typeof(CopyEventLine))]
[JsonSerializable(typeof(CopyProgressLine))]
[JsonSerializable(typeof(CopyResultLine))]
[JsonSerializable(typeof(CopyFailureLine))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>
    /// The serializers for output read by people and scripts: snake case, enums by name, no escaping of '+' or '&lt;'
    /// (use its typed members, <c>.MigrationJson</c> …, so that a type missing here fails the build).
    /// </summary>
    public static CliJson Output(bool indented, bool skipNulls) => new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = indented,
        DefaultIgnoreCondition = skipNulls ? JsonIgnoreCondition.WhenWritingNull : JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters =
        {
            new JsonStringEnumConverter<MigrationMethod>(JsonNamingPolicy.SnakeCaseLower),
            new JsonStringEnumConverter<DatabasePhase>(JsonNamingPolicy.SnakeCaseLower),
        },
    });
}

/// <summary>
/// <c>pgmove status --json</c>: the migration without its secrets. <c>applications</c> is where PgMove's switch left the
/// applications (source, switching, target), null when the cutover switched none.
/// </summary>
internal sealed record MigrationJson(string Id, string Status, MigrationMethod Method, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string Source, string Target, IReadOnlyList<string> IgnoreDatabases, string? Error, string? Fix, string? Result, RunnerJson Runner,
    IReadOnlyList<DatabaseRecord> Databases, IReadOnlyList<string> Warnings, string? Applications, FallbackState? Fallback = null);

/// <summary>
/// Who runs a migration: <c>alive</c> when a process (or a service node's lease) has it now; <c>pid</c>, <c>host</c>
/// (the service node with a shared store) and <c>last_seen</c> (its last heartbeat) of the current or last runner.
/// </summary>
internal sealed record RunnerJson(bool Alive, int? Pid, string? Host, DateTimeOffset? LastSeen);

/// <summary>A copy event as it happens ("phase", "table", "warning", "redo").</summary>
internal sealed record CopyEventLine(string Kind, string? Database, string Message, string? Table, long? Rows, long? Bytes, double? Seconds, DateTimeOffset At);

/// <summary>A database's copy progress, every second.</summary>
internal sealed record CopyProgressLine(string Kind, string Database, string Phase, int TablesDone, int TablesTotal, long BytesDone, long BytesTotal,
    long RowsDone, DateTimeOffset At);

/// <summary>The last line of a copy that finished.</summary>
internal sealed record CopyResultLine(string Kind, bool Ok, double Seconds, IReadOnlyList<CopyDatabaseLine> Databases, IReadOnlyList<string>? RolesCreated,
    IReadOnlyList<string>? RoleFailures);

internal sealed record CopyDatabaseLine(string Database, string Outcome, int Tables, long Rows, long Bytes, double Seconds);

/// <summary>The last line of a copy that failed: the error's code, what happened and the fix.</summary>
internal sealed record CopyFailureLine(string Kind, bool Ok, string Error, string Message, string? Fix);
