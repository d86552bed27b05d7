namespace PgMove.Server.Api;

/// <summary>DigitalOcean's error body: <c>{"id","message","request_id"}</c>.</summary>
public sealed record ApiError(string Id, string Message, string? RequestId);
