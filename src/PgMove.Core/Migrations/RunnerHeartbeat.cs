namespace PgMove.Core.Migrations;

/// <summary>
/// Stamps the runner's heartbeat every few seconds through a long step that saves nothing, such as a cutover's
/// verification of a big table: a runner silent for 15 s is taken for a dead one (a waiting <c>pgmove cutover</c>
/// reported it gone, another <c>pgmove start</c> could claim the migration). Dispose it before the final write of
/// the record, so that no beat can come after it.
/// </summary>
internal sealed class RunnerHeartbeat : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;

    public RunnerHeartbeat(Action beat) => _beating = BeatAsync(beat);

    private async Task BeatAsync(Action beat)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    beat();
                }
                catch (Exception)
                {
                    // The store is unreachable for a moment: the next beat tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating;
        _stop.Dispose();
    }
}
