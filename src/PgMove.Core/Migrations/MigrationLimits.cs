namespace PgMove.Core.Migrations;

/// <summary>
/// The limits that stop a forgotten migration by itself, whatever its method: its age (14 days by default) and the
/// WAL a slot retains on the source.
/// </summary>
internal static class MigrationLimits
{
    /// <summary>The stop a limit asks for, or null while the migration is within its limits.</summary>
    /// <param name="fallback">The reverse stream of a cutover with fallback: its own age limit (<see cref="MigrationOptions.FallbackMaxDuration"/>).</param>
    public static RunOutcome? Reached(MigrationOptions options, DateTimeOffset createdAt, IEnumerable<(string Slot, long? RetainedWalBytes)> slots, bool fallback = false)
    {
        var limit = fallback ? options.FallbackMaxDuration : options.MaxDuration;
        if (options.Clock.GetUtcNow() - createdAt >= limit)
            return new RunOutcome(RunOutcome.Kinds.Stop, $"stopped automatically after {limit.TotalDays:N0} days (the limit of {(fallback ? "a fallback" : "a migration")})");
        foreach (var (slot, retained) in slots)
        {
            if (retained > options.MaxRetainedWalBytes)
                return new RunOutcome(RunOutcome.Kinds.Stop,
                    $"stopped automatically: slot {slot} retained {retained / 1048576} MB of WAL on the source, over the limit of {options.MaxRetainedWalBytes / 1048576} MB");
        }
        return null;
    }
}
