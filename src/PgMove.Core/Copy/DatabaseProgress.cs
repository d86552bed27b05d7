namespace PgMove.Core.Copy;

/// <summary>Live counters of one database's copy; written by workers, read by displays. Thread-safe.</summary>
public sealed class DatabaseProgress(string database)
{
    private long _bytesDone;
    private long _rowsDone;
    private int _tablesDone;

    public string Database { get; } = database;

    public CopyPhase Phase { get; internal set; } = CopyPhase.Waiting;

    public int TablesTotal { get; internal set; }

    public long BytesTotal { get; internal set; }

    public int TablesDone => Volatile.Read(ref _tablesDone);

    /// <summary>Bytes of COPY data moved (the wire size, close to the on-disk size of the heap).</summary>
    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public long RowsDone => Interlocked.Read(ref _rowsDone);

    public DateTimeOffset? DataStarted { get; internal set; }

    public string? Error { get; internal set; }

    internal void Add(long bytes, long rows)
    {
        Interlocked.Add(ref _bytesDone, bytes);
        Interlocked.Add(ref _rowsDone, rows);
    }

    internal void TableDone() => Interlocked.Increment(ref _tablesDone);
}
