namespace PgMove.Server.Api;

/// <summary>Body of POST /api/migrations/{id}/cutover (optional).</summary>
public sealed record CutoverRequest(bool FreezeSource);
