namespace PgMove.Server.Api;

/// <summary>
/// Body of POST /api/migrations/{id}/fallback (read by <see cref="FallbackRequestParser"/>, every other field refused).
/// </summary>
/// <param name="Switch">
/// "pgbouncer" (required): move the applications back through the PgBouncer set for the migration's cluster in the
/// service's configuration, the same switch as the cutover's, the other way round. The service never runs a command.
/// </param>
public sealed record FallbackRequest(string Switch);
