using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>The dump method's snapshot: a REPEATABLE READ transaction that exports its snapshot and stays open.</summary>
public sealed class TransactionSnapshotSource : ISnapshotSource
{
    public async Task<IExportedSnapshot> ExportAsync(ConnectionSpec source, string database, CancellationToken ct)
    {
        var connection = await PgConnector.OpenAsync(source, "source", ct, database);
        try
        {
            await using var command = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_catalog.pg_export_snapshot()", connection);
            var id = (string)(await command.ExecuteScalarAsync(ct))!;
            return new Snapshot(id, connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Snapshot(string id, NpgsqlConnection connection) : IExportedSnapshot
    {
        public string Id { get; } = id;

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
