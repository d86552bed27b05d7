using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Migrations;

/// <summary>
/// A new logical slot waits until every transaction running when it was asked for has ended; while it waits, the
/// status says for whom ("waiting for transaction pid 4242, running 120 s, …") instead of an unexplained
/// "copying 0/0 tables". Disposing it stops watching and clears the note.
/// </summary>
internal sealed class SnapshotWait : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly Action<string?> _note;

    public SnapshotWait(ConnectionSpec source, Action<string?> note)
    {
        _note = note;
        _watching = WatchAsync(source);
    }

    private async Task WatchAsync(ConnectionSpec source)
    {
        try
        {
            using var timer = new PeriodicTimer(Interval);
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await using var connection = await PgConnector.OpenAsync(source, "source", _stop.Token);
                await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/open_transactions.sql"), connection);
                command.Parameters.AddWithValue("min_age_seconds", Interval.TotalSeconds);
                await using var reader = await command.ExecuteReaderAsync(_stop.Token);
                if (!await reader.ReadAsync(_stop.Token))
                    continue;
                var (kind, database, who, age) = (reader.GetString(0), reader.IsDBNull(1) ? "?" : reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
                _note(kind == "prepared"
                    ? $"waiting for prepared transaction '{who}' (database {database}, {age} s old) to be committed or rolled back before the snapshot can be taken"
                    : $"waiting for transaction pid {who} (database {database}, running {age} s) to finish before the snapshot can be taken; end it with SELECT pg_terminate_backend({who}) if it is stuck");
            }
        }
        catch (Exception error) when (error is OperationCanceledException or NpgsqlException or Errors.PgMoveException)
        {
            // Stopped, or the source is unreachable: the slot creation reports that itself.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
        _note(null);
    }
}
