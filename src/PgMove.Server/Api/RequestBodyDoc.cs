namespace PgMove.Server.Api;

/// <summary>
/// Names the JSON body an endpoint reads by hand, for the OpenAPI document only: a real body parameter or an
/// Accepts constraint would make routing refuse requests with another or no Content-Type, which curl scripts send.
/// </summary>
internal sealed record RequestBodyDoc(Type Type, bool Required);
