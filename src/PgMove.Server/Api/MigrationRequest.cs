using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Server.Api;

/// <summary>
/// The body of DigitalOcean's PUT online-migration, validated (plus PgMove's optional <c>method</c>, <c>ddl_capture</c>,
/// and <c>apply_ddl</c>: resume a subscription migration stopped on DDL, as <c>pgmove start --apply-ddl</c>).
/// </summary>
public sealed record MigrationRequest(ConnectionSpec Source, IReadOnlyList<string> IgnoreDatabases, MigrationMethod Method = MigrationMethod.Relay, bool CaptureDdl = true, bool ApplyDdl = false);
