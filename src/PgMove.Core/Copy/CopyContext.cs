using System.Collections.Concurrent;
using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>What the workers of one database share: connections, the snapshot, and which tables are complete.</summary>
internal sealed class CopyContext
{
    private readonly ConcurrentDictionary<long, int> _partsLeft = new();
    private readonly CopyProgress _events;

    public CopyContext(string database, ConnectionSpec source, ConnectionSpec target, string snapshotId, bool targetIsSuperuser,
        IReadOnlyList<CopyTask> tasks, CopyProgress events)
    {
        Database = database;
        Source = source;
        Target = target;
        SnapshotId = snapshotId;
        TargetIsSuperuser = targetIsSuperuser;
        _events = events;
        Progress = events.For(database);
        foreach (var group in tasks.GroupBy(t => t.Table.Oid))
            _partsLeft[group.Key] = group.Count();
    }

    public string Database { get; }

    public ConnectionSpec Source { get; }

    public ConnectionSpec Target { get; }

    public string SnapshotId { get; }

    public bool TargetIsSuperuser { get; }

    public DatabaseProgress Progress { get; }

    public void Completed(CopyTask task, long rows, long bytes, TimeSpan elapsed)
    {
        var left = _partsLeft.AddOrUpdate(task.Table.Oid, 0, (_, n) => n - 1);
        if (left == 0)
            Progress.TableDone();
        _events.Publish(new CopyEvent("table", Database, left == 0 ? "table copied" : "part copied", task.ToString(), rows, bytes, elapsed.TotalSeconds));
    }
}
