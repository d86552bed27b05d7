using Microsoft.Extensions.Time.Testing;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Tests.Fallback;

/// <summary>A forgotten fallback ends itself: after its own limit (seven days by default), or when a slot retains too much WAL on the new server.</summary>
public sealed class FallbackLimitsTests
{
    private static readonly DateTimeOffset CutAt = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MigrationOptions Options(FakeTimeProvider clock) => new()
    {
        Source = new ConnectionSpec { Host = "new", Database = "postgres", Username = "u" },
        Target = new ConnectionSpec { Host = "old", Database = "postgres", Username = "u" },
        Clock = clock,
        MaxRetainedWalBytes = 1024 * 1024,
    };

    [Fact]
    public void Reached_FallbackSevenDaysOld_StopsNamingTheFallbackLimit()
    {
        var clock = new FakeTimeProvider(CutAt.AddDays(6.9));
        Assert.Null(MigrationLimits.Reached(Options(clock), CutAt, [("s", 0L)], fallback: true));

        clock.Advance(TimeSpan.FromDays(0.1));
        var stop = MigrationLimits.Reached(Options(clock), CutAt, [("s", 0L)], fallback: true);

        Assert.Equal(RunOutcome.Kinds.Stop, stop?.Kind);
        Assert.Contains("7 days (the limit of a fallback)", stop!.Reason, StringComparison.Ordinal);
        // The migration itself keeps its fourteen days.
        Assert.Null(MigrationLimits.Reached(Options(clock), CutAt, [("s", 0L)]));
        Assert.Null(MigrationLimits.Reached(Options(clock) with { FallbackMaxDuration = TimeSpan.FromDays(30) }, CutAt, [("s", 0L)], fallback: true));
    }

    [Fact]
    public void Reached_FallbackSlotRetainsTooMuchWal_StopsNamingTheSlot()
    {
        var stop = MigrationLimits.Reached(Options(new FakeTimeProvider(CutAt)), CutAt, [("pgmove_abc_5", 2L * 1024 * 1024)], fallback: true);

        Assert.Equal(RunOutcome.Kinds.Stop, stop?.Kind);
        Assert.Contains("pgmove_abc_5", stop!.Reason, StringComparison.Ordinal);
    }
}
