namespace PgMove.Core.Migrations;

/// <summary>One database of a migration: its phase, copy progress, and replication position and lag.</summary>
public sealed record DatabaseRecord
{
    public required string Name { get; init; }
    public DatabasePhase Phase { get; init; } = DatabasePhase.Pending;
    public string? Slot { get; init; }
    public string? Publication { get; init; }
    public int TablesDone { get; init; }
    public int TablesTotal { get; init; }
    public long BytesDone { get; init; }
    public long BytesTotal { get; init; }
    public long RowsDone { get; init; }
    public string? AppliedLsn { get; init; }
    public string? SourceLsn { get; init; }
    public long? LagBytes { get; init; }
    public double? LagSeconds { get; init; }
    public long? RetainedWalBytes { get; init; }
    public long ChangesApplied { get; init; }

    /// <summary>DDL statements carried from the source and run on the target, since the migration started.</summary>
    public long DdlApplied { get; init; }
    public double? ChangesPerSecond { get; init; }
    public string? LastError { get; init; }
    public bool CopyDone { get; init; }
}
