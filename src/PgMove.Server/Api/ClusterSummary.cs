namespace PgMove.Server.Api;

/// <summary>A target cluster the service manages, and its latest migration.</summary>
public sealed record ClusterSummary(string Uuid, string Name, string Target, MigrationDetail? LatestMigration);
