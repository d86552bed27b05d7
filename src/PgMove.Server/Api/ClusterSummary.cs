namespace PgMove.Server.Api;

/// <summary>
/// A target cluster the service manages, and its latest migration. <paramref name="Pgbouncer"/>: the service's
/// configuration gives the cluster a PgBouncer, so a cutover can move the applications (<c>{"switch":"pgbouncer"}</c>).
/// </summary>
public sealed record ClusterSummary(string Uuid, string Name, string Target, bool Pgbouncer, MigrationDetail? LatestMigration);
