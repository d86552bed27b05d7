using PgMove.Core.Copy;
using PgMove.Core.Replication;

namespace PgMove.Core.Migrations;

/// <summary>The live state of one database inside a running migration.</summary>
internal sealed class DatabaseRun(string name, long oid, string slot, string publication, bool copyDone)
{
    public string Name { get; } = name;
    public long Oid { get; } = oid;
    public string Slot { get; } = slot;
    public string Publication { get; } = publication;
    public bool CopyDone { get; set; } = copyDone;
    public DatabasePhase Phase
    {
        get => _phase;
        set
        {
            var from = _phase;
            _phase = value;
            if (from != value)
                PhaseChanged?.Invoke(this, from, value);
        }
    }

    private DatabasePhase _phase = DatabasePhase.Pending;

    /// <summary>Called on every change of <see cref="Phase"/> (the runner logs it).</summary>
    public Action<DatabaseRun, DatabasePhase, DatabasePhase>? PhaseChanged { get; set; }
    public ApplyStatistics Statistics { get; } = new();
    public DatabaseProgress? Copy { get; set; }
    public string? LastError { get; set; }
    public string? SourceLsn { get; set; }
    public long? LagBytes { get; set; }
    public double? LagSeconds { get; set; }
    public long? RetainedWalBytes { get; set; }
    public double? ChangesPerSecond { get; set; }
    public long LastChanges { get; set; }

    /// <summary>The source's WAL positions over time, for the lag in seconds.</summary>
    internal WalTimeline Timeline { get; } = new();

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
        TablesDone = Copy?.TablesDone ?? 0,
        TablesTotal = Copy?.TablesTotal ?? 0,
        BytesDone = Copy?.BytesDone ?? 0,
        BytesTotal = Copy?.BytesTotal ?? 0,
        RowsDone = Copy?.RowsDone ?? 0,
        AppliedLsn = Statistics.ConfirmedLsn.ToString(),
        SourceLsn = SourceLsn,
        LagBytes = LagBytes,
        LagSeconds = LagSeconds,
        RetainedWalBytes = RetainedWalBytes,
        ChangesApplied = Statistics.Changes,
        DdlApplied = Statistics.DdlApplied,
        ChangesPerSecond = ChangesPerSecond,
        LastError = LastError,
    };
}
