namespace PgMove.Core.Verify;

/// <summary>Every table of every compared database, ordered by database, schema and name.</summary>
/// <param name="Source">The source, without its password.</param>
/// <param name="Target">The target, without its password.</param>
/// <param name="Databases">The databases compared, by name.</param>
/// <param name="Tables">One comparison per table found on either side.</param>
public sealed record VerifyReport(string Source, string Target, IReadOnlyList<string> Databases, IReadOnlyList<TableComparison> Tables)
{
    public bool HasDifferences => Tables.Any(t => !t.Matches);

    public IEnumerable<TableComparison> Differences => Tables.Where(t => !t.Matches);

    /// <summary>Rows counted on the source, over every table found there.</summary>
    public long SourceRows => Tables.Sum(t => t.SourceRows ?? 0);

    /// <summary>Rows counted on the target, over every table found there.</summary>
    public long TargetRows => Tables.Sum(t => t.TargetRows ?? 0);

    public TableComparison? Find(string database, string schema, string name) =>
        Tables.FirstOrDefault(t => t.Database == database && t.Table.Schema == schema && t.Table.Name == name);
}
