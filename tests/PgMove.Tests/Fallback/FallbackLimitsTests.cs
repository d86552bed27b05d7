using Microsoft.Extensions.Time.Testing;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Tests.Fallback;

/// <summary>
/// A forgotten fallback ends itself: after its own limit (seven days by default), or when a slot retains too much WAL on the
/// new server. The limits are the record's (kept in the store), and a migration's age counts from its latest fallback.
/// </summary>
public sealed class FallbackLimitsTests
{
    private static readonly DateTimeOffset CutAt = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MigrationRecord Record(MigrationMethod method, RecordedLimits? limits = null) => new()
    {
        Id = "m", Method = method, Status = MigrationStatus.Syncing, CreatedAt = CutAt, UpdatedAt = CutAt,
        Source = "new", Target = "old", IgnoreDatabases = [],
        Limits = limits ?? new RecordedLimits { MaxRetainedWalBytes = 1024 * 1024 },
    };

    [Fact]
    public void Reached_FallbackSevenDaysOld_StopsNamingTheFallbackLimit()
    {
        var clock = new FakeTimeProvider(CutAt.AddDays(6.9));
        Assert.Null(MigrationLimits.Reached(clock, Record(MigrationMethod.Fallback), [("s", 0L)]));

        clock.Advance(TimeSpan.FromDays(0.1));
        var stop = MigrationLimits.Reached(clock, Record(MigrationMethod.Fallback), [("s", 0L)]);

        Assert.Equal(RunOutcome.Kinds.Stop, stop?.Kind);
        Assert.Contains("7 days (the limit of a fallback)", stop!.Reason, StringComparison.Ordinal);
        // The migration itself keeps its fourteen days; a fallback recorded with thirty days goes on.
        Assert.Null(MigrationLimits.Reached(clock, Record(MigrationMethod.Relay), [("s", 0L)]));
        Assert.Null(MigrationLimits.Reached(clock, Record(MigrationMethod.Fallback, new RecordedLimits { FallbackMaxDuration = TimeSpan.FromDays(30) }), [("s", 0L)]));
    }

    [Fact]
    public void Reached_FallbackSlotRetainsTooMuchWal_StopsNamingTheSlot()
    {
        var stop = MigrationLimits.Reached(new FakeTimeProvider(CutAt), Record(MigrationMethod.Fallback), [("pgmove_abc_5", 2L * 1024 * 1024)]);

        Assert.Equal(RunOutcome.Kinds.Stop, stop?.Kind);
        Assert.Contains("pgmove_abc_5", stop!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reached_MigrationFellBackOnDayFourteen_CountsFromTheFallbackAndAResumeOverridesTheLimitsGiven()
    {
        // Synced eight days, cut over with fallback, fell back six days later: a fresh fourteen days from the fallback.
        var clock = new FakeTimeProvider(CutAt.AddDays(14));
        var fellBack = Record(MigrationMethod.Relay, new RecordedLimits { AgeCountsFrom = CutAt.AddDays(14) });
        Assert.NotNull(MigrationLimits.Reached(clock, Record(MigrationMethod.Relay), []));
        Assert.Null(MigrationLimits.Reached(clock, fellBack, []));
        clock.Advance(TimeSpan.FromDays(14));
        Assert.Contains("14 days (the limit of a migration)", MigrationLimits.Reached(clock, fellBack, [])!.Reason, StringComparison.Ordinal);

        // A resume's own options replace the recorded limits (the store's round trip is MigrationStoreContractTests').
        var spec = new ConnectionSpec { Host = "new", Database = "postgres", Username = "u" };
        var limits = new RecordedLimits { FallbackMaxDuration = TimeSpan.FromDays(14), MaxRetainedWalBytes = 5L << 30 };
        var resumed = limits.With(new MigrationOptions { Source = spec, Target = spec, MaxDuration = TimeSpan.FromDays(3) });
        Assert.Equal(limits with { MaxDuration = TimeSpan.FromDays(3) }, resumed);
    }
}
