namespace PgMove.Core.Copy;

/// <summary>
/// One unit of work for a copy worker: a whole table, or a range of its heap blocks
/// (<c>ctid &gt;= (FirstBlock,0) AND ctid &lt; (EndBlock,0)</c>; a null end means to the end of the table).
/// </summary>
public sealed record CopyTask(TableToCopy Table, long? FirstBlock = null, long? EndBlock = null, int Part = 1, int Parts = 1)
{
    public bool IsWholeTable => FirstBlock is null;

    /// <summary>The COPY that reads the rows on the source.</summary>
    public string SourceSql(string format)
    {
        if (IsWholeTable)
            return $"COPY {Table.Name} {Table.ColumnList} TO STDOUT (FORMAT {format})";
        var upper = EndBlock is null ? "" : $" AND ctid < '({EndBlock},0)'::pg_catalog.tid";
        return $"COPY (SELECT {Table.SelectList} FROM ONLY {Table.Name} WHERE ctid >= '({FirstBlock},0)'::pg_catalog.tid{upper}) TO STDOUT (FORMAT {format})";
    }

    /// <summary>The COPY that writes them on the target; FREEZE only where the table was created or truncated in the same transaction.</summary>
    public string TargetSql(string format, bool freeze = false) => $"COPY {Table.Name} {Table.ColumnList} FROM STDIN (FORMAT {format}{(freeze ? ", FREEZE" : "")})";

    public override string ToString() => Parts == 1 ? Table.Name.ToString() : $"{Table.Name} part {Part}/{Parts}";
}
