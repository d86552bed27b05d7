using System.Text.RegularExpressions;

namespace PgMove.Core.Copy;

/// <summary>One part of the pre-data restore: a pg_restore list file (null: the whole section) and the tables it creates.</summary>
internal sealed record PreDataChunk(string? ListFile, IReadOnlyList<long> Tables);

/// <summary>
/// The pre-data schema cut into consecutive parts of the dump's table of contents, each restored by its own pg_restore
/// in one transaction, one after the other: once a part is in, the plain tables it created can copy while the next
/// part is restored (with 1,500 tables the restore alone took over a second, the copy workers idle). The parts keep
/// the list's order, which pg_dump sorted so that everything an object depends on comes before it. Only plain tables
/// are released early (Copy/Sql/early_release_tables.sql): no later part locks them strongly (column defaults,
/// identities and ATTACH come after every table), and their COPY locks no other relation, so it can neither wait
/// for a later part nor deadlock with one; every other table waits for the whole schema. A schema of few tables
/// stays one part: a part costs a pg_restore process and its connection.
/// </summary>
internal static partial class PreDataChunks
{
    /// <summary>Below this many tables the restore is short enough to wait for.</summary>
    public const int SplitFrom = 300;

    /// <summary>The parts after the first: the first is small, so that the first rows start early.</summary>
    private const int LaterParts = 3;

    /// <param name="early">The tables that may be released as soon as their part is in; the others wait for the whole schema.</param>
    public static async Task<IReadOnlyList<PreDataChunk>> PlanAsync(IReadOnlyList<string> list, IReadOnlySet<long> early, string workDirectory, CancellationToken ct)
    {
        var tableLines = new List<(int Line, long Oid)>();
        for (var i = 0; i < list.Count; i++)
        {
            if (TableEntry().Match(list[i]) is { Success: true } match)
                tableLines.Add((i, long.Parse(match.Groups[1].Value)));
        }
        if (tableLines.Count < SplitFrom)
            return [new PreDataChunk(null, [])];

        var first = Math.Max(50, tableLines.Count / 10);
        var rest = tableLines.Count - first;
        // The index in tableLines of the last table of each part but the last, which takes the rest of the list.
        var ends = new List<int> { first - 1 };
        for (var part = 1; part < LaterParts; part++)
            ends.Add(first + rest * part / LaterParts - 1);

        var chunks = new List<PreDataChunk>();
        var fromLine = 0;
        var fromTable = 0;
        for (var part = 0; part <= ends.Count; part++)
        {
            var lastTable = part < ends.Count ? ends[part] : tableLines.Count - 1;
            var toLine = part < ends.Count ? tableLines[lastTable].Line + 1 : list.Count;
            var file = Path.Combine(workDirectory, $"pre-data-{part + 1}.list");
            await File.WriteAllLinesAsync(file, list.Skip(fromLine).Take(toLine - fromLine), ct);
            chunks.Add(new PreDataChunk(file, tableLines.Skip(fromTable).Take(lastTable + 1 - fromTable).Select(t => t.Oid).Where(early.Contains).ToList()));
            fromLine = toLine;
            fromTable = lastTable + 1;
        }
        return chunks;
    }

    /// <summary>
    /// "dumpId; 1259 oid TABLE schema name owner": a table's entry. A table's data ("0 oid TABLE DATA") and a
    /// partition's attach ("0 0 TABLE ATTACH") carry no pg_class OID, whatever their schema is called.
    /// </summary>
    [GeneratedRegex(@"^\d+; 1259 (\d+) TABLE ")]
    private static partial Regex TableEntry();
}
