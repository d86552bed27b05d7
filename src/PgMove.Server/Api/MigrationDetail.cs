namespace PgMove.Server.Api;

/// <summary>PgMove's own view of a migration: everything the store knows but the secrets.</summary>
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
    IReadOnlyList<DatabaseDetail> Databases);
