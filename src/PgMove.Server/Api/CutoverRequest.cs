namespace PgMove.Server.Api;

/// <summary>
/// Body of POST /api/migrations/{id}/cutover (optional; read by <see cref="CutoverRequestParser"/>, every other field refused).
/// </summary>
/// <param name="FreezeSource">true: make the source databases read-only for everyone first. The default value is false.</param>
/// <param name="Switch">
/// "pgbouncer": move the applications through the PgBouncer set for the migration's cluster in the service's
/// configuration (their queries wait, then go to the target; implies the freeze). The default value is none: the
/// applications are re-pointed by their owners. The service never runs a command.
/// </param>
/// <param name="Fallback">
/// true (with "switch", relay): keep the source in step with the target after the switch, so that the applications can be
/// moved back without losing a write (the CLI's pgmove fallback; pgmove finish ends it). The default value is false.
/// </param>
public sealed record CutoverRequest(bool? FreezeSource, string? Switch, bool? Fallback = null);
