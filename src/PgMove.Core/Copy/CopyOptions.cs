using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>What <c>pgmove copy</c> is asked to do.</summary>
public sealed record CopyOptions
{
    public required ConnectionSpec Source { get; init; }

    public required ConnectionSpec Target { get; init; }

    public IReadOnlyList<string> IgnoreDatabases { get; init; } = [];

    /// <summary>Parallel COPY workers per database. The default value is 4.</summary>
    public int Jobs { get; init; } = 4;

    /// <summary>Copy the source's roles first. The default value is true.</summary>
    public bool IncludeRoles { get; init; } = true;

    public string? PgBinDirectory { get; init; }

    /// <summary>The state file remembering which databases are copied. The default is <see cref="State.StatePaths.Default"/>.</summary>
    public string? StatePath { get; init; }

    /// <summary>Size of a table's share when big tables are split; null to derive it from the total size.</summary>
    public long? ChunkBytes { get; init; }

    /// <summary>Where the snapshot comes from. The default value is a REPEATABLE READ transaction (the dump method).</summary>
    public ISnapshotSource SnapshotSource { get; init; } = new TransactionSnapshotSource();
}
