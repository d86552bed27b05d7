using NpgsqlTypes;

namespace PgMove.Core.Replication;

/// <summary>Counters of one database's apply loop, read by the status writer. Thread-safe enough for display.</summary>
public sealed class ApplyStatistics
{
    private long _changes;
    private long _transactions;
    private long _ddl;

    public long Changes => Interlocked.Read(ref _changes);

    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>DDL statements from the source run on the target (committed).</summary>
    public long DdlApplied => Interlocked.Read(ref _ddl);

    /// <summary>End LSN of the last source transaction committed on the target.</summary>
    public NpgsqlLogSequenceNumber AppliedLsn { get; internal set; }

    /// <summary>The position confirmed to the source: everything before it is applied or not ours.</summary>
    public NpgsqlLogSequenceNumber ConfirmedLsn { get; internal set; }

    /// <summary>Commit time on the source of that transaction.</summary>
    public DateTimeOffset? AppliedCommitTime { get; internal set; }

    /// <summary>True while the applier waits for the source with nothing pending: it has applied all it was sent.</summary>
    public bool CaughtUp { get; internal set; }

    /// <summary>When the applier last heard from the source (a message or a keepalive).</summary>
    public DateTimeOffset LastActivity { get; internal set; } = DateTimeOffset.UtcNow;

    internal void AddChanges(long n) => Interlocked.Add(ref _changes, n);

    internal void AddDdl(long n) => Interlocked.Add(ref _ddl, n);

    internal void AddTransactions(long n) => Interlocked.Add(ref _transactions, n);
}
