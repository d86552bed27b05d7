using System.Text.RegularExpressions;

namespace PgMove.Core.Copy;

/// <summary>One part of the pre-data restore: a pg_restore list file (null: the whole section) and the tables it creates.</summary>
internal sealed record PreDataChunk(string? ListFile, IReadOnlyList<long> Tables);

/// <summary>
/// The pre-data schema cut into consecutive parts of the dump's table of contents, each restored by its own pg_restore
/// in one transaction, one after the other: once a part is in, its tables' rows can copy while the next part is
/// restored (with 1,500 tables the restore alone took over a second, the copy workers idle). The parts keep the list's
/// order, which pg_dump sorted so that everything an object depends on comes before it: a table's COPY needs only the
/// table and what it depends on (types, domains, the functions of its CHECK constraints and generated columns), all
/// in its part or an earlier one. What may come later (a sequence's OWNED BY, a column default, a partition's
/// ATTACH) takes the table's lock and waits for a COPY under way at most. A schema of few tables stays one part:
/// a part costs a pg_restore process and its connection.
/// </summary>
internal static partial class PreDataChunks
{
    /// <summary>Below this many tables the restore is short enough to wait for.</summary>
    public const int SplitFrom = 300;

    /// <summary>The parts after the first: the first is small, so that the first rows start early.</summary>
    private const int LaterParts = 3;

    public static async Task<IReadOnlyList<PreDataChunk>> PlanAsync(IReadOnlyList<string> list, string workDirectory, CancellationToken ct)
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
            chunks.Add(new PreDataChunk(file, tableLines.Skip(fromTable).Take(lastTable + 1 - fromTable).Select(t => t.Oid).ToList()));
            fromLine = toLine;
            fromTable = lastTable + 1;
        }
        return chunks;
    }

    /// <summary>"dumpId; 1259 oid TABLE schema name owner": a table's entry (not its data, nor a partition's attach).</summary>
    [GeneratedRegex(@"^\d+; 1259 (\d+) TABLE (?!DATA |ATTACH )")]
    private static partial Regex TableEntry();
}
