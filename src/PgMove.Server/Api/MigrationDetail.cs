namespace PgMove.Server.Api;

/// <summary>
/// PgMove's own view of a migration: everything the store knows but the secrets. <c>applications</c>: where the
/// cutover's switch left the applications (source, switching, target), null when it switched none. <c>fallback</c>: the
/// way back of a cutover with fallback.
/// </summary>
public sealed record MigrationDetail(
    string Id,
    string? ClusterUuid,
    string Status,
    string CreatedAt,
    string UpdatedAt,
    string Source,
    IReadOnlyList<string> IgnoreDbs,
    string? Error,
    string? Fix,
    string? Result,
    string? Request,
    IReadOnlyList<DatabaseDetail> Databases,
    IReadOnlyList<string> Warnings,
    RunnerDetail Runner,
    string? Applications,
    Core.Fallback.FallbackState? Fallback = null)
{
    /// <summary>What a request already carried out found (a retried fallback or finish): the answer instead of an error.</summary>
    public string? Note { get; init; }
}

/// <summary>Who runs the migration: <c>alive</c> when a process or a service node's lease has it now; the current or last runner and its last heartbeat.</summary>
public sealed record RunnerDetail(bool Alive, int? Pid, string? Host, string? LastSeen);
