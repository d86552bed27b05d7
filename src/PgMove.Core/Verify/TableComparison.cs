using PgMove.Core.Catalog;

namespace PgMove.Core.Verify;

/// <summary>One table compared between the source and the target.</summary>
/// <param name="Database">The database, of the same name on both sides.</param>
/// <param name="Table">The table's schema and name.</param>
/// <param name="SourceRows">Rows on the source; null when the table is missing there.</param>
/// <param name="TargetRows">Rows on the target; null when the table (or its database) is missing there.</param>
/// <param name="Difference">What differs; <see cref="TableDifference.None"/> when the rows are the same.</param>
/// <param name="Detail">What differs in words, naming counts, columns and key ranges; null when the rows are the same.</param>
/// <param name="KeyColumn">The primary key column the table was checksummed in chunks by; null when it took one query.</param>
/// <param name="Ranges">The chunks whose rows differ, in key order; empty when the table was not chunked or matches.</param>
public sealed record TableComparison(
    string Database,
    QualifiedName Table,
    long? SourceRows,
    long? TargetRows,
    TableDifference Difference,
    string? Detail,
    string? KeyColumn,
    IReadOnlyList<KeyRangeDifference> Ranges)
{
    public bool Matches => Difference == TableDifference.None;

    /// <summary>
    /// The first key, in key order, whose row differs, e.g. <c>the first differing key is "code" = 'b-2' (the row differs)</c>;
    /// null when the table matches or has no primary or unique NOT NULL key on both sides.
    /// </summary>
    public string? FirstDifferingKey { get; init; }

    /// <summary>The table as <c>database."schema"."name"</c>.</summary>
    public string DisplayName => $"{Database}.{Table}";
}
