namespace PgMove.Server.Api;

/// <summary>The preflight without a migration: <c>passed</c> is false when any check failed.</summary>
public sealed record CheckReport(bool Passed, IReadOnlyList<CheckItem> Checks);
