namespace PgMove.Core.Replication;

/// <summary>A TRUNCATE of one or more tables.</summary>
internal sealed record TruncateChange(IReadOnlyList<TargetTable> Tables, bool RestartIdentity, bool Cascade) : SourceChange
{
    public override long Size => 200;
}
