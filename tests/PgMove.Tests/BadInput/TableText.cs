using System.Text;
using System.Text.RegularExpressions;

namespace PgMove.Tests.BadInput;

/// <summary>
/// The text of the preflight table with each column's wrapped lines joined again, so that a sentence of the
/// Found or Fix column can be searched whole; other lines are kept as they are.
/// </summary>
internal static partial class TableText
{
    public static string Flatten(string output)
    {
        var columns = new Dictionary<int, StringBuilder>();
        var plain = new StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (!line.Contains('│', StringComparison.Ordinal))
            {
                plain.Append(line).Append(' ');
                continue;
            }
            var cells = line.Split('│');
            for (var i = 0; i < cells.Length; i++)
            {
                if (!columns.TryGetValue(i, out var column))
                    columns[i] = column = new StringBuilder();
                column.Append(cells[i].Trim()).Append(' ');
            }
        }
        var all = plain.Append(' ').AppendJoin(' ', columns.OrderBy(c => c.Key).Select(c => c.Value.ToString())).ToString();
        return Spaces().Replace(all, " ");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
