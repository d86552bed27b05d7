using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight;

/// <summary>
/// The facts every check reads, gathered once by <see cref="PreflightRunner"/>. A fact is null when
/// the server it comes from could not be reached; checks that need it are then skipped.
/// </summary>
public sealed class PreflightContext
{
    internal PreflightContext(PreflightOptions options) => Options = options;

    public PreflightOptions Options { get; }

    public MigrationMethod Method => Options.Method;

    public bool IsContinuous => Options.Method != MigrationMethod.Dump;

    public ServerFacts? Source { get; internal set; }

    public ServerFacts? Target { get; internal set; }

    /// <summary>TLS protocol of each connection, or null when the connection is not encrypted.</summary>
    public string? SourceTls { get; internal set; }

    public string? TargetTls { get; internal set; }

    /// <summary>Standby or read-only defaults of each server, read over its first connection.</summary>
    public ReadOnlyState? SourceReadOnly { get; internal set; }

    public ReadOnlyState? TargetReadOnly { get; internal set; }

    /// <summary>What tells the two servers apart whatever names reached them.</summary>
    public ServerFingerprint? SourceFingerprint { get; internal set; }

    public ServerFingerprint? TargetFingerprint { get; internal set; }

    public IReadOnlyList<DatabaseInfo> SourceDatabases { get; internal set; } = [];

    /// <summary>Databases to migrate: all except templates, the ignore list and those refusing connections.</summary>
    public IReadOnlyList<DatabaseInfo> DatabasesToMigrate { get; internal set; } = [];

    public IReadOnlyList<SourceDatabaseFacts> SourceDatabaseFacts { get; internal set; } = [];

    public IReadOnlyList<DatabaseInfo> TargetDatabases { get; internal set; } = [];

    public IReadOnlyList<AvailableExtension> TargetExtensions { get; internal set; } = [];

    public IReadOnlySet<string> TargetLocales { get; internal set; } = new HashSet<string>();

    public Task<NpgsqlConnection> OpenSourceAsync(string database, CancellationToken ct) =>
        PgConnector.OpenAsync(Options.Source, "source", ct, database);

    public Task<NpgsqlConnection> OpenTargetAsync(string database, CancellationToken ct) =>
        PgConnector.OpenAsync(Options.Target, "target", ct, database);
}
