using PgMove.Core.Catalog;

namespace PgMove.Core.Copy;

/// <summary>A table whose rows are copied, as seen in the source snapshot.</summary>
public sealed record TableToCopy(
    long Oid,
    QualifiedName Name,
    long SizeBytes,
    long EstimatedRows,
    IReadOnlyList<string> Columns,
    bool NeedsTextFormat)
{
    /// <summary>The quoted column list, e.g. <c>("id", "Balance")</c>; empty for a table without columns.</summary>
    public string ColumnList => Columns.Count == 0 ? "" : "(" + string.Join(", ", Columns.Select(Identifiers.Quote)) + ")";

    public string SelectList => Columns.Count == 0 ? "" : string.Join(", ", Columns.Select(Identifiers.Quote));
}
