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
    public DatabasePhase Phase { get; set; } = DatabasePhase.Pending;
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
        ChangesPerSecond = ChangesPerSecond,
        LastError = LastError,
    };
}
