namespace PgMove.Core.Replication;

/// <summary>A change read from the source, kept in memory so that a group can be applied again row by row.</summary>
internal abstract record SourceChange
{
    /// <summary>A rough estimate of the memory it takes, in bytes, to bound what a group keeps in memory.</summary>
    public abstract long Size { get; }
}
