using PgMove.Core.Migrations;

namespace PgMove.Core.Subscription;

/// <summary>
/// The live state of one database migrated by a subscription. The subscription is named after the slot
/// (PostgreSQL's own default), so the store's slot name is enough to find both again.
/// </summary>
internal sealed class SubscriptionDatabase(string name, string slot, string publication, bool copyDone)
{
    public string Name { get; } = name;
    public string Slot { get; } = slot;
    public string Subscription => Slot;
    public string Publication { get; } = publication;

    /// <summary>The initial sync is over and the rest of post-data is restored.</summary>
    public bool CopyDone { get; set; } = copyDone;
    public DatabasePhase Phase { get; set; } = DatabasePhase.Pending;

    /// <summary>Whether the subscription exists on the target (created, or found on resume).</summary>
    public bool Subscribed { get; set; }
    public long? SubscriptionOid { get; set; }
    public int TablesReady { get; set; }
    public int TablesTotal { get; set; }
    /// <summary>What the slot on the source has confirmed (applied and flushed on the target).</summary>
    public string? ConfirmedLsn { get; set; }

    /// <summary>The apply worker's last reported position (pg_stat_subscription.latest_end_lsn): shown while the source is unreachable.</summary>
    public string? ReportedLsn { get; set; }
    public string? SourceLsn { get; set; }
    public long? LagBytes { get; set; }
    public double? LagSeconds { get; set; }
    public long? RetainedWalBytes { get; set; }
    public string? LastError { get; set; }

    /// <summary>Captured DDL run on the target by pgmove start --apply-ddl, since the migration started.</summary>
    public long DdlApplied { get; set; }

    /// <summary>
    /// Apply and sync errors counted by the target: the latest count, and the count when the slot's confirmed
    /// position (<see cref="BaselineLsn"/>) last moved. Errors while that position stands still are a lasting failure;
    /// errors followed by progress were lost connections the subscription got over. Null: start a new count at the next
    /// read (the source was down or restarted: its lost connections counted as errors).
    /// </summary>
    public long? ErrorsAtStart { get; set; }
    public long? Errors { get; set; }
    public string? BaselineLsn { get; set; }

    /// <summary>When the publication was last compared with the subscription (tables created on the source).</summary>
    public DateTimeOffset TablesCheckedAt { get; set; }

    /// <summary>The source has WAL beyond what the slot confirmed.</summary>
    public bool HasPending { get; set; }

    /// <summary>Recent (time, source WAL position) samples: lag in seconds is the age of the oldest one not yet confirmed.</summary>
    public Queue<(DateTimeOffset At, ulong Lsn)> Samples { get; } = new();

    /// <summary>The cutover dropped the slot: done, and no lag or retained WAL is shown for a slot that is gone.</summary>
    public void MarkCutOver()
    {
        Phase = DatabasePhase.Done;
        RetainedWalBytes = null;
        LagBytes = null;
        LagSeconds = null;
    }

    public DatabaseRecord ToRecord() => new()
    {
        Name = Name,
        Phase = Phase,
        Slot = Slot,
        Publication = Publication,
        CopyDone = CopyDone,
        TablesDone = TablesReady,
        TablesTotal = TablesTotal,
        AppliedLsn = ConfirmedLsn ?? ReportedLsn,
        SourceLsn = SourceLsn,
        LagBytes = LagBytes,
        LagSeconds = LagSeconds,
        RetainedWalBytes = RetainedWalBytes,
        LastError = LastError,
        DdlApplied = DdlApplied,
    };
}
