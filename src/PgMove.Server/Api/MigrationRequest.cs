using PgMove.Core.Connections;

namespace PgMove.Server.Api;

/// <summary>The body of DigitalOcean's PUT online-migration, validated.</summary>
public sealed record MigrationRequest(ConnectionSpec Source, IReadOnlyList<string> IgnoreDatabases);
