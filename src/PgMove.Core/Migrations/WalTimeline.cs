using NpgsqlTypes;

namespace PgMove.Core.Migrations;

/// <summary>
/// When the source's WAL was at which position (one sample per measurement), to turn "the target has applied up to
/// LSN x" into "the target is n seconds behind": how long ago the source was where the target is now,
/// interpolated between the two samples around x, so that lags shorter than the sampling interval still show.
/// </summary>
internal sealed class WalTimeline
{
    /// <summary>A day of samples at one per second: beyond that, the oldest are dropped (the lag then reads low).</summary>
    private const int MaxSamples = 86_400;

    private readonly Queue<(DateTimeOffset At, NpgsqlLogSequenceNumber Lsn)> _ahead = new();
    private (DateTimeOffset At, NpgsqlLogSequenceNumber Lsn)? _passed;

    public void Record(DateTimeOffset at, NpgsqlLogSequenceNumber sourceLsn)
    {
        _ahead.Enqueue((at, sourceLsn));
        if (_ahead.Count > MaxSamples)
            _passed = _ahead.Dequeue();
    }

    public double SecondsBehind(NpgsqlLogSequenceNumber applied, DateTimeOffset now)
    {
        while (_ahead.Count > 0 && _ahead.Peek().Lsn <= applied)
            _passed = _ahead.Dequeue();
        if (_ahead.Count == 0)
            return 0;
        var next = _ahead.Peek();
        var when = next.At;
        if (_passed is { } passed && next.Lsn > passed.Lsn)
        {
            var fraction = (double)((ulong)applied - (ulong)passed.Lsn) / ((ulong)next.Lsn - (ulong)passed.Lsn);
            when = passed.At + (next.At - passed.At) * Math.Clamp(fraction, 0, 1);
        }
        return Math.Max(0, (now - when).TotalSeconds);
    }
}
