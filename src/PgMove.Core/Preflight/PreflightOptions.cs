using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight;

/// <summary>What a preflight is asked to check.</summary>
public sealed record PreflightOptions
{
    public required ConnectionSpec Source { get; init; }

    public required ConnectionSpec Target { get; init; }

    /// <summary>The default value is <see cref="MigrationMethod.Relay"/>.</summary>
    public MigrationMethod Method { get; init; } = MigrationMethod.Relay;

    /// <summary>Databases not to migrate.</summary>
    public IReadOnlyList<string> IgnoreDatabases { get; init; } = [];

    /// <summary>Where pg_dump and pg_restore are; null to search PATH and /usr/lib/postgresql.</summary>
    public string? PgBinDirectory { get; init; }

    /// <summary>Accept target databases that already hold tables. The default value is false.</summary>
    public bool ReuseTargetDatabases { get; init; }

    /// <summary>
    /// Whether the caller accepts <c>--reuse-target-databases</c> (pgmove check): only then may a fix offer it. The
    /// default value is false (start, copy and the service always fill empty databases).
    /// </summary>
    public bool OffersReuse { get; init; }

    /// <summary>Target databases an unfinished PgMove copy left behind: they will be dropped and copied again.</summary>
    public IReadOnlyCollection<string> ResumableDatabases { get; init; } = [];

    /// <summary>Relay: whether DDL on the source will be captured (<see cref="MigrationOptions.CaptureDdl"/>). The default value is true.</summary>
    public bool CaptureDdl { get; init; } = true;

    /// <summary>Transactions older than this many seconds are reported. The default value is 300.</summary>
    public int LongTransactionSeconds { get; init; } = 300;
}
