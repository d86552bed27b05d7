namespace PgMove.Core.Copy;

/// <summary>
/// The work of one database's copy workers: the planned COPY tasks, and each table's build (<see cref="TableBuild"/>)
/// once its last part is in. A build is handed out before the next COPY: the table's pages are still in the target's
/// cache, and the builds left at the end, when the last big table is still copying, are what keeps the other workers
/// busy. The queue is finished when every COPY is done and no build waits; a worker then stops.
/// </summary>
internal sealed class CopyWorkQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<CopyTask> _copies;
    private readonly Queue<TableBuild> _builds = new();
    private int _copiesUnfinished;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CopyWorkQueue(IEnumerable<CopyTask> tasks)
    {
        _copies = new Queue<CopyTask>(tasks);
        _copiesUnfinished = _copies.Count;
    }

    /// <summary>The next COPY task or build; (null, null) when there is nothing left to do.</summary>
    public async Task<(CopyTask? Copy, TableBuild? Build)> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_builds.TryDequeue(out var build))
                    return (null, build);
                if (_copies.TryDequeue(out var copy))
                    return (copy, null);
                if (_copiesUnfinished == 0)
                    return (null, null);
                // Other workers still copy: one of them may yet queue a build.
                changed = _changed.Task;
            }
            await changed.WaitAsync(ct);
        }
    }

    /// <summary>A COPY task is in; <paramref name="build"/> is its table's build if that was the table's last part.</summary>
    public void CopyDone(TableBuild? build)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _copiesUnfinished--;
            if (build is not null)
                _builds.Enqueue(build);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
