using System.Collections.Concurrent;

namespace PgMove.Server.Api;

/// <summary>
/// DigitalOcean's scheme: a number of requests per hour and client, told in the <c>ratelimit-limit</c>,
/// <c>ratelimit-remaining</c> and <c>ratelimit-reset</c> (Unix time of the window's end) headers.
/// Fixed one-hour windows, per token (per address for requests without a valid token).
/// </summary>
public sealed class RateLimiter(int limitPerHour, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public int Limit => limitPerHour;

    /// <summary>Counts a request; returns the remaining requests (-1 when over the limit) and the window's end.</summary>
    public (int Remaining, long ResetUnix) Take(string client)
    {
        var now = clock.GetUtcNow();
        var window = _windows.AddOrUpdate(client,
            _ => new Window(now.AddHours(1), 1),
            (_, w) => w.EndsAt <= now ? new Window(now.AddHours(1), 1) : w with { Count = w.Count + 1 });
        return (limitPerHour - window.Count, window.EndsAt.ToUnixTimeSeconds());
    }

    private sealed record Window(DateTimeOffset EndsAt, int Count);
}
