namespace PgMove.Core.Verify;

/// <summary>How a table differs between the source and the target; when several apply, the first listed here.</summary>
public enum TableDifference
{
    /// <summary>Same rows on both sides.</summary>
    None,

    /// <summary>The table (or its whole database) exists on the source only.</summary>
    MissingOnTarget,

    /// <summary>The table exists on the target only.</summary>
    MissingOnSource,

    /// <summary>The two tables do not have the same column names; rows were compared on the common columns.</summary>
    Columns,

    /// <summary>The numbers of rows differ.</summary>
    RowCount,

    /// <summary>As many rows on both sides, but their content differs.</summary>
    Content,
}
