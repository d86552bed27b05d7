namespace PgMove.Server.Api;

/// <summary>One preflight check: its id, pass/warn/fail/skip, what was found, and the fix.</summary>
public sealed record CheckItem(string Id, string Status, string Message, string? Fix);
