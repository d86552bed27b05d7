using System.Text.RegularExpressions;

namespace PgMove.Core.Schema;

/// <summary>
/// One line of <c>pg_restore --list</c>: <c>dumpId; catalogTableOid objectOid TYPE schema tag owner</c>. Only what
/// PgMove needs to pick entries out is parsed: the catalog and object OIDs name the object on the source, the line
/// itself goes back into a list file unchanged.
/// </summary>
public sealed partial record RestoreListEntry(string Line, long CatalogOid, long ObjectOid, string Type)
{
    /// <summary>
    /// The entry types a table's rows do not depend on and nothing else of the post-data section must precede:
    /// indexes, primary key, unique and exclusion constraints (a CHECK added NOT VALID is "CHECK CONSTRAINT", a
    /// foreign key "FK CONSTRAINT": neither is one of these), and extended statistics, which an ANALYZE needs to find.
    /// </summary>
    private static readonly string[] TableLocalTypes = ["INDEX", "CONSTRAINT", "STATISTICS"];

    /// <summary>The entry, if the line is one of <see cref="TableLocalTypes"/>; comments and other entries give null.</summary>
    public static RestoreListEntry? Parse(string line)
    {
        var match = EntryPattern().Match(line);
        if (!match.Success)
            return null;
        var rest = match.Groups[3].Value;
        // "INDEX ATTACH" (and a schema that happens to be called ATTACH) also starts with "INDEX ": such lines carry
        // OIDs 0 0, which no object has, so they never match a catalog row either.
        var type = TableLocalTypes.FirstOrDefault(t => rest.StartsWith(t + " ", StringComparison.Ordinal) && !rest.StartsWith(t + " ATTACH ", StringComparison.Ordinal));
        return type is null ? null : new RestoreListEntry(line, long.Parse(match.Groups[1].Value), long.Parse(match.Groups[2].Value), type);
    }

    [GeneratedRegex(@"^\d+; (\d+) (\d+) (.*)$")]
    private static partial Regex EntryPattern();
}
