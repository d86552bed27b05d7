using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PgMove.Core.Connections;

namespace PgMove.Core.Migrations;

/// <summary>How a continuous migration runs.</summary>
public sealed record MigrationOptions
{
    public required ConnectionSpec Source { get; init; }

    public required ConnectionSpec Target { get; init; }

    public IReadOnlyList<string> IgnoreDatabases { get; init; } = [];

    /// <summary>How the data moves for a new migration (a resumed one keeps its own). The default value is <see cref="MigrationMethod.Relay"/>.</summary>
    public MigrationMethod Method { get; init; } = MigrationMethod.Relay;

    /// <summary>Copy workers per database. The default value is 4.</summary>
    public int Jobs { get; init; } = 4;

    /// <summary>Databases copied and streamed at once. The default value is 2.</summary>
    public int ParallelDatabases { get; init; } = 2;

    public string? PgBinDirectory { get; init; }

    /// <summary>
    /// A migration stops itself after this long (counted from its creation, or from its latest fallback). Kept in the
    /// record (<see cref="MigrationRecord.Limits"/>): null keeps the recorded value, else <see cref="DefaultMaxDuration"/>.
    /// The default value is null.
    /// </summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>
    /// The fallback stream of a cutover with fallback ends itself after this long (its slots and publication on the new
    /// server dropped, as <c>pgmove finish</c> does). Kept in the record, and given to the fallback stream at the cutover:
    /// null keeps the recorded value, else <see cref="DefaultFallbackMaxDuration"/>. The default value is null.
    /// </summary>
    public TimeSpan? FallbackMaxDuration { get; init; }

    /// <summary>
    /// A migration (or a fallback stream) stops itself when a slot retains more WAL than this. Kept in the record as the
    /// durations are: null keeps the recorded value, else <see cref="DefaultMaxRetainedWalBytes"/>. The default value is null.
    /// </summary>
    public long? MaxRetainedWalBytes { get; init; }

    /// <summary>The age limit of a migration that was given none: 14 days.</summary>
    public static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromDays(14);

    /// <summary>The age limit of a fallback stream whose migration was given none: 7 days.</summary>
    public static readonly TimeSpan DefaultFallbackMaxDuration = TimeSpan.FromDays(7);

    /// <summary>The WAL a slot may retain when none was given: 64 GiB.</summary>
    public const long DefaultMaxRetainedWalBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>Where the runner logs its events (phases, retries, slots, errors). The default value is <see cref="NullLoggerFactory.Instance"/>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// The run was started by a cutover with no runner alive (<c>pgmove cutover</c>): once the cutover is answered,
    /// done or refused, the run ends (detached, slots kept) instead of streaming on. The default value is false.
    /// </summary>
    public bool EndAfterCutover { get; init; }

    /// <summary>
    /// Relay: install the DDL capture on each source database (event triggers; needs a superuser source, PostgreSQL
    /// 14 or later), so that schema changes on the source are carried to the target in the stream. Without it, a
    /// change of a table's shape stops that database with the statement to run on the target. Read when a
    /// database's copy starts. A resumed migration keeps the choice it was created with (<see cref="MigrationRecord.CaptureDdl"/>);
    /// false for a migration created with it is refused. The default value is true.
    /// </summary>
    public bool CaptureDdl { get; init; } = true;

    /// <summary>
    /// Subscription: when resuming, run on the target the DDL the capture logged on the source that the target lacks
    /// (up to where the subscription stopped, in order), then enable the subscription again and add the tables it
    /// created. Only for resuming a subscription migration. The default value is false.
    /// </summary>
    public bool ApplyDdl { get; init; }

    /// <summary>Clock for the duration limit; tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
