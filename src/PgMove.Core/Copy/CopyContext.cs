using System.Collections.Concurrent;
using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>
/// What the workers of one database share: connections, the snapshot, the work queue, and which tables are complete
/// (the last part of a table in queues that table's build).
/// </summary>
internal sealed class CopyContext
{
    private readonly ConcurrentDictionary<long, int> _partsLeft = new();
    private readonly CopyProgress _events;

    public CopyContext(string database, ConnectionSpec source, ConnectionSpec target, string snapshotId, bool targetIsSuperuser,
        CopyWorkQueue queue, IReadOnlyList<CopyTask> tasks, TableBuilds builds, CopyProgress events)
    {
        Builds = builds;
        Queue = queue;
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

    public TableBuilds Builds { get; }

    public CopyWorkQueue Queue { get; }

    /// <summary>
    /// Whether this task's table, loaded whole by it, is truncated first and loaded with COPY FREEZE (rows written frozen and
    /// all-visible: the index builds and ANALYZE that read them next, and the first VACUUM, need not set hint bits
    /// and write every page again). TRUNCATE needs the table's owner or its TRUNCATE right; a superuser has both,
    /// while another target user may own none of the tables (they keep the source's owners).
    /// </summary>
    public bool Freeze(CopyTask task) => TargetIsSuperuser && task.IsWholeTable && task.Table.SizeBytes >= FreezeMinimumBytes;

    /// <summary>
    /// Below this, FREEZE spares next to nothing, while the TRUNCATE before it gives the table, its TOAST table and
    /// index new files, once per table: a 20-row table gains nothing from FREEZE and pays that.
    /// </summary>
    private const long FreezeMinimumBytes = 1024 * 1024;

    public void Completed(CopyTask task, long rows, long bytes, TimeSpan elapsed)
    {
        var left = _partsLeft.AddOrUpdate(task.Table.Oid, 0, (_, n) => n - 1);
        if (left == 0)
            Progress.TableDone();
        _events.Publish(new CopyEvent("table", Database, left == 0 ? "table copied" : "part copied", task.ToString(), rows, bytes, elapsed.TotalSeconds));
        Queue.CopyDone(left == 0 ? Builds.For(task.Table.Oid) : null);
    }

    public void Built(TableBuild build, TimeSpan elapsed)
    {
        var what = build.Entries.Count == 0 ? "analyzed" : $"built {build.Entries.Count} indexes, constraints and statistics" + (build.Analyze ? ", analyzed" : "");
        _events.Publish(new CopyEvent("build", Database, what, build.Table.Name.ToString(), Seconds: elapsed.TotalSeconds));
    }
}
