using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Verify;

/// <summary>What <see cref="VerifyRunner"/> compares, and how hard it works at it.</summary>
public sealed record VerifyOptions
{
    public required ConnectionSpec Source { get; init; }

    public required ConnectionSpec Target { get; init; }

    /// <summary>Databases not compared (the migration's ignore list).</summary>
    public IReadOnlyList<string> IgnoreDatabases { get; init; } = [];

    /// <summary>
    /// When set, only these source databases are compared (one migration's database at cutover, say);
    /// each must be among those a migration moves. The default value is null: every database a migration moves.
    /// </summary>
    public IReadOnlyList<string>? Databases { get; init; }

    /// <summary>Schemas left out on both sides, such as PgMove's own bookkeeping schema on the target.</summary>
    public IReadOnlyList<string> IgnoreSchemas { get; init; } = [];

    /// <summary>
    /// Tables compared at once; each holds one connection to the source and one to the target.
    /// The default value is 2.
    /// </summary>
    public int Jobs { get; init; } = 2;

    /// <summary>
    /// Keys per chunk for tables with a single-column integer primary key: such a table with more rows
    /// is checksummed one key range at a time, and a difference is reported with its key range.
    /// The default value is 1,000,000.
    /// </summary>
    public long ChunkRows { get; init; } = 1_000_000;

    /// <summary>
    /// Per target database, a snapshot exported by a transaction that stays open during the comparison
    /// (<c>pg_export_snapshot()</c>): the target is read as it was then, so writes made since (applications switched to
    /// it) cause no false difference. The default value is null: the target as it is now.
    /// </summary>
    public IReadOnlyDictionary<string, string>? TargetSnapshots { get; init; }

    internal string? SnapshotOf(string role, string database) =>
        role == "target" && TargetSnapshots is { } snapshots && snapshots.TryGetValue(database, out var snapshot) ? snapshot : null;

    internal void Validate()
    {
        if (Jobs is < 1 or > 64)
            throw new UsageException("usage.bad_jobs", $"The number of jobs (--jobs) must be between 1 and 64; {Jobs} was given.", "Give --jobs 2 (the default), or up to the number of connections both servers can spare divided by two.");
        if (ChunkRows < 1)
            throw new UsageException("usage.bad_chunk_rows", $"The chunk size must be at least 1 row; {ChunkRows} was given.", "Use the default of 1,000,000 keys per chunk.");
    }
}
