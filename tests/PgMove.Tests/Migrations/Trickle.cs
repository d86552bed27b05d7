using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>A steady trickle of small transactions (by default into ticks), each committed on its own.</summary>
internal sealed class Trickle(PgCluster cluster, string database, string statement = "INSERT INTO ticks (note) VALUES ('tick')") : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _task;
    private long _count;

    /// <summary>Transactions committed so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    public void Start() => _task = Task.Run(() => RunAsync(_stop.Token));

    public async Task WaitForAsync(long rows)
    {
        var deadline = DateTimeOffset.UtcNow + RelayRun.DefaultTimeout;
        while (Count < rows)
        {
            if (_task is { IsCompleted: true })
                await _task; // its error
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the trickle wrote {Count} rows of {rows}");
            await Task.Delay(20);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_task is not null)
            await _task;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await using var connection = await cluster.OpenAsync(database, ct);
        while (!ct.IsCancellationRequested)
        {
            await using (var command = new Npgsql.NpgsqlCommand(statement, connection))
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            Interlocked.Increment(ref _count);
            try
            {
                await Task.Delay(10, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_task is not null)
        {
            try
            {
                await _task;
            }
            catch (Exception)
            {
                // The test already failed or stopped the trickle itself.
            }
        }
        _stop.Dispose();
    }
}
