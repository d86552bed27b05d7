namespace PgMove.Core.Migrations;

/// <summary>
/// The limits that stop a forgotten migration by itself, whatever its method: its age (14 days by default, counted from
/// its creation or its latest fallback) and the WAL a slot retains on the source. The record's own limits
/// (<see cref="MigrationRecord.Limits"/>) apply, the defaults where it has none.
/// </summary>
internal static class MigrationLimits
{
    /// <summary>The stop a limit asks for, or null while the migration is within its limits.</summary>
    /// <param name="record">Its method tells a fallback stream, which has its own age limit (<see cref="RecordedLimits.FallbackMaxDuration"/>).</param>
    public static RunOutcome? Reached(TimeProvider clock, MigrationRecord record, IEnumerable<(string Slot, long? RetainedWalBytes)> slots)
    {
        var fallback = record.Method == MigrationMethod.Fallback;
        var limit = fallback
            ? record.Limits.FallbackMaxDuration ?? MigrationOptions.DefaultFallbackMaxDuration
            : record.Limits.MaxDuration ?? MigrationOptions.DefaultMaxDuration;
        if (clock.GetUtcNow() - (record.Limits.AgeCountsFrom ?? record.CreatedAt) >= limit)
            return new RunOutcome(RunOutcome.Kinds.Stop, $"stopped automatically after {limit.TotalDays:N0} days (the limit of {(fallback ? "a fallback" : "a migration")})");
        var maxWal = record.Limits.MaxRetainedWalBytes ?? MigrationOptions.DefaultMaxRetainedWalBytes;
        foreach (var (slot, retained) in slots)
        {
            if (retained > maxWal)
                return new RunOutcome(RunOutcome.Kinds.Stop,
                    $"stopped automatically: slot {slot} retained {retained / 1048576} MB of WAL on the source, over the limit of {maxWal / 1048576} MB");
        }
        return null;
    }
}
