using NpgsqlTypes;
using PgMove.Core.Migrations;

namespace PgMove.Tests.Replication;

public sealed class WalTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static NpgsqlLogSequenceNumber Lsn(ulong value) => new(value);

    [Fact]
    public void SecondsBehind_AppliedBetweenTwoSamples_InterpolatesBelowTheSamplingInterval()
    {
        var timeline = new WalTimeline();
        timeline.Record(T0, Lsn(1000));
        timeline.Record(T0.AddSeconds(1), Lsn(2000));

        // Applied 1750: the source was there 0.75 s after T0; asked at T0 + 1 s, that is 0.25 s ago.
        Assert.Equal(0.25, timeline.SecondsBehind(Lsn(1750), T0.AddSeconds(1)), 3);
    }

    [Fact]
    public void SecondsBehind_AppliedPastEverySample_IsZero()
    {
        var timeline = new WalTimeline();
        timeline.Record(T0, Lsn(1000));
        Assert.Equal(0, timeline.SecondsBehind(Lsn(1000), T0.AddSeconds(5)));
    }

    [Fact]
    public void SecondsBehind_AppliedBeforeTheFirstSample_IsAtLeastThatSamplesAge()
    {
        var timeline = new WalTimeline();
        timeline.Record(T0, Lsn(1000));
        timeline.Record(T0.AddSeconds(1), Lsn(2000));
        Assert.Equal(3, timeline.SecondsBehind(Lsn(10), T0.AddSeconds(3)), 3);
    }

    [Fact]
    public void SecondsBehind_LaggingForSeveralSamples_GrowsWithTime()
    {
        var timeline = new WalTimeline();
        for (var s = 0; s <= 10; s++)
            timeline.Record(T0.AddSeconds(s), Lsn(1000 + (ulong)s * 100));
        // Applied 1250 was reached at T0 + 2.5 s; now is T0 + 10 s.
        Assert.Equal(7.5, timeline.SecondsBehind(Lsn(1250), T0.AddSeconds(10)), 3);
        Assert.Equal(2, timeline.SecondsBehind(Lsn(1800), T0.AddSeconds(10)), 3);
    }
}
