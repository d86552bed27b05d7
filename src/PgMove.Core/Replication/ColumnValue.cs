namespace PgMove.Core.Replication;

/// <summary>One column of a pgoutput tuple in text form: a value, SQL NULL, or an unchanged TOAST value that was not sent.</summary>
internal readonly record struct ColumnValue(string? Value, bool Unchanged)
{
    public static readonly ColumnValue Null = new(null, false);

    public static readonly ColumnValue NotSent = new(null, true);
}
