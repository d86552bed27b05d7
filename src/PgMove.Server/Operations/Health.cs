namespace PgMove.Server.Operations;

/// <summary>The /healthz body.</summary>
public sealed record Health(string Status, int? Migrations = null, int? RunningHere = null, string? Error = null);
