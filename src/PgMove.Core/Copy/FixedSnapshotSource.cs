using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>A snapshot exported by someone else (the relay method's slot creation); the copy does not own it.</summary>
public sealed class FixedSnapshotSource(string snapshotId) : ISnapshotSource
{
    public Task<IExportedSnapshot> ExportAsync(ConnectionSpec source, string database, CancellationToken ct) =>
        Task.FromResult<IExportedSnapshot>(new Borrowed(snapshotId));

    private sealed class Borrowed(string id) : IExportedSnapshot
    {
        public string Id { get; } = id;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
