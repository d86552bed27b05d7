namespace PgMove.Core.Switch;

/// <summary>One line of the ini's [databases] section, with what PgBouncer makes of it (defaults applied).</summary>
/// <param name="LineIndex">0-based line number in the file.</param>
/// <param name="Database">dbname, or the entry's name when the entry has none (PgBouncer's default).</param>
public sealed record PgBouncerIniEntry(string Name, int LineIndex, ServerEndpoint Server, string Database)
{
    /// <summary>The <c>*</c> fallback entry: it serves any database name; PgMove never rewrites it.</summary>
    public bool IsFallback => Name == "*";

    public override string ToString() => $"{Name} = {Server}/{Database}";
}
