using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>Where the copy's snapshot comes from; the relay method implements it with its replication slot.</summary>
public interface ISnapshotSource
{
    Task<IExportedSnapshot> ExportAsync(ConnectionSpec source, string database, CancellationToken ct);
}
