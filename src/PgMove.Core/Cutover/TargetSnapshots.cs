using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Core.Cutover;

/// <summary>
/// The target's databases as they were at the switch: one open transaction per database that exported its snapshot
/// (<c>pg_export_snapshot()</c>), kept open until the verification that imports them is over.
/// </summary>
internal sealed class TargetSnapshots(ConnectionSpec target) : IAsyncDisposable
{
    private readonly List<NpgsqlConnection> _holders = [];
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);

    /// <summary>Database → snapshot id; empty before <see cref="ExportAsync"/>.</summary>
    public IReadOnlyDictionary<string, string> Ids => _ids;

    public async Task ExportAsync(IReadOnlyList<string> databases, CancellationToken ct)
    {
        foreach (var database in databases)
        {
            var connection = await PgConnector.OpenAsync(target.WithDatabase(database), "target", ct);
            _holders.Add(connection);
            await using var command = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_catalog.pg_export_snapshot()", connection);
            _ids[database] = (string)(await command.ExecuteScalarAsync(ct))!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var holder in _holders)
        {
            try
            {
                await holder.DisposeAsync();
            }
            catch (Exception error) when (error is NpgsqlException or IOException)
            {
                // A target lost meanwhile has already ended these read-only transactions; a failure here must not
                // replace the one that says which step the target was lost at.
            }
        }
    }
}
