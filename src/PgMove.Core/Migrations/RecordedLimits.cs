namespace PgMove.Core.Migrations;

/// <summary>
/// The limits a migration (or its fallback stream) runs under, kept in its record so that every later run of it (a resume,
/// <c>pgmove cutover</c> or <c>pgmove fallback</c> with no process alive, the service) enforces the ones it was started
/// with rather than the defaults. A null limit is the default (<see cref="MigrationOptions"/>).
/// </summary>
public sealed record RecordedLimits
{
    /// <summary>The age limit of a migration (<c>--max-days</c>).</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>The age limit of the fallback stream of a cutover with fallback (<c>--fallback-days</c>).</summary>
    public TimeSpan? FallbackMaxDuration { get; init; }

    /// <summary>The WAL a slot may retain on the server it reads (<c>--max-retained-wal-gb</c>).</summary>
    public long? MaxRetainedWalBytes { get; init; }

    /// <summary>
    /// When the age limit starts counting, if not at the record's creation: a fallback sends the migration toward the
    /// target again, with its full age limit from that instant (it may have synced for days before its cutover).
    /// </summary>
    public DateTimeOffset? AgeCountsFrom { get; init; }

    /// <summary>These limits with the ones given to this run (non-null in <paramref name="options"/>) in their place.</summary>
    public RecordedLimits With(MigrationOptions options) => this with
    {
        MaxDuration = options.MaxDuration ?? MaxDuration,
        FallbackMaxDuration = options.FallbackMaxDuration ?? FallbackMaxDuration,
        MaxRetainedWalBytes = options.MaxRetainedWalBytes ?? MaxRetainedWalBytes,
    };
}
