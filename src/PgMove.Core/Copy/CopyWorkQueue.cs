namespace PgMove.Core.Copy;

/// <summary>
/// The work of one database's copy workers: the planned COPY tasks, and each table's build (<see cref="TableBuild"/>)
/// once its last part is in. A table's tasks are handed out once its table exists on the target (the pre-data schema
/// is restored in parts while the first tables already copy, see <see cref="PreDataChunks"/>); builds wait for the
/// whole pre-data schema, since an index may use a function restored after its table. A build is handed out before
/// the next COPY: the table's pages are still in the target's cache, and the builds left at the end, when the last
/// big table is still copying, are what keeps the other workers busy. The queue is finished when the schema is in,
/// every COPY is done and no build waits; a worker then stops.
/// </summary>
internal sealed class CopyWorkQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<CopyTask> _copies = new();
    private readonly List<CopyTask> _waiting = [];
    private readonly HashSet<long> _released = [];
    private readonly Queue<TableBuild> _builds = new();
    private bool _planned;
    private bool _allReleased;
    private int _copiesUnfinished;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The planned tasks, in the order to hand them out; those whose table is not released yet wait.</summary>
    public void Plan(IEnumerable<CopyTask> tasks)
    {
        Change(() =>
        {
            foreach (var task in tasks)
            {
                if (_allReleased || _released.Contains(task.Table.Oid))
                    _copies.Enqueue(task);
                else
                    _waiting.Add(task);
                _copiesUnfinished++;
            }
            _planned = true;
        });
    }

    /// <summary>These tables now exist on the target: their COPY tasks may start.</summary>
    public void Release(IEnumerable<long> tableOids)
    {
        Change(() =>
        {
            _released.UnionWith(tableOids);
            MoveReleased(task => _released.Contains(task.Table.Oid));
        });
    }

    /// <summary>The whole pre-data schema is in: every task may start, and so may the builds.</summary>
    public void ReleaseAll()
    {
        Change(() =>
        {
            _allReleased = true;
            MoveReleased(_ => true);
        });
    }

    /// <summary>
    /// Whether the whole pre-data schema is in. Until then a table is not truncated for COPY FREEZE: its lock would make
    /// the restore of the next part (a COMMENT or GRANT on it, a view over it) wait for the whole COPY.
    /// </summary>
    public bool SchemaComplete
    {
        get
        {
            lock (_gate)
                return _allReleased;
        }
    }

    /// <summary>The next COPY task or build; (null, null) when there is nothing left to do.</summary>
    public async Task<(CopyTask? Copy, TableBuild? Build)> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_allReleased && _builds.TryDequeue(out var build))
                    return (null, build);
                if (_copies.TryDequeue(out var copy))
                    return (copy, null);
                if (_planned && _allReleased && _copiesUnfinished == 0 && _builds.Count == 0)
                    return (null, null);
                // Other workers still copy, or the schema is still being restored: work may yet come.
                changed = _changed.Task;
            }
            await changed.WaitAsync(ct);
        }
    }

    /// <summary>A COPY task is in; <paramref name="build"/> is its table's build if that was the table's last part.</summary>
    public void CopyDone(TableBuild? build)
    {
        Change(() =>
        {
            _copiesUnfinished--;
            if (build is not null)
                _builds.Enqueue(build);
        });
    }

    private void MoveReleased(Func<CopyTask, bool> released)
    {
        foreach (var task in _waiting.Where(released))
            _copies.Enqueue(task);
        _waiting.RemoveAll(task => released(task));
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
