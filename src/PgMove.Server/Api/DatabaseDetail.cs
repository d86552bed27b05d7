namespace PgMove.Server.Api;

/// <summary>One database of a migration: phase, copy progress, replication position and lag.</summary>
public sealed record DatabaseDetail(
    string Name,
    string Phase,
    bool CopyDone,
    int TablesDone,
    int TablesTotal,
    long BytesDone,
    long BytesTotal,
    long RowsDone,
    string? AppliedLsn,
    string? SourceLsn,
    long? LagBytes,
    double? LagSeconds,
    long? RetainedWalBytes,
    long ChangesApplied,
    long DdlApplied,
    double? ChangesPerSecond,
    string? LastError);
