using System.Globalization;
using System.Text;
using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>
/// The [databases] section of pgbouncer.ini, read and rewritten the way PgBouncer parses it (loader.c): each entry
/// is <c>name = key=value ...</c>, values separated by spaces and single-quoted when they hold one (<c>''</c> for a
/// quote). A rewrite changes only host, port and dbname of the entries that lead to a source; every other byte of
/// the file (comments, other keys such as pool_size, line endings) stays as it was.
/// </summary>
public static class PgBouncerIni
{
    /// <summary>Every entry of the [databases] section, the <c>*</c> fallback included.</summary>
    public static IReadOnlyList<PgBouncerIniEntry> Entries(string text)
    {
        var entries = new List<PgBouncerIniEntry>();
        var lines = SplitLines(text);
        for (var i = 0; i < lines.Count; i++)
        {
            if (ParseEntry(lines[i].Content, InDatabases(lines, i)) is { } entry)
                entries.Add(new PgBouncerIniEntry(entry.Name, i, Endpoint(entry.Pairs), entry.Pairs.FirstOrDefault(p => p.Key == "dbname")?.Value ?? entry.Name));
        }
        return entries;
    }

    /// <summary>The entries (never the fallback) whose server is one of <paramref name="sources"/> and whose database is one of <paramref name="databases"/>.</summary>
    public static IReadOnlyList<PgBouncerIniEntry> Matching(string text, IReadOnlyList<ServerEndpoint> sources, IReadOnlyCollection<string> databases) =>
        Entries(text).Where(e => !e.IsFallback && sources.Any(s => s.SameAs(e.Server)) && databases.Contains(e.Database)).ToList();

    /// <summary>
    /// Points the matching entries at <paramref name="target"/>, each at the target database that
    /// <paramref name="databases"/> maps its source database to. Returns the new text and the names of the entries changed.
    /// </summary>
    public static (string Text, IReadOnlyList<string> Rewritten) Rewrite(string text, IReadOnlyList<ServerEndpoint> sources, ServerEndpoint target, IReadOnlyDictionary<string, string> databases)
    {
        var matching = Matching(text, sources, databases.Keys.ToList());
        var lines = SplitLines(text);
        foreach (var entry in matching)
        {
            var line = lines[entry.LineIndex];
            var parsed = ParseEntry(line.Content, inDatabases: true)!;
            var wanted = new List<(string Key, string Value)>
            {
                ("host", target.Host),
                ("port", target.Port.ToString(CultureInfo.InvariantCulture)),
            };
            var targetDatabase = databases[entry.Database];
            // An entry without dbname means "the same name": it only needs one when the target's name differs.
            if (parsed.Pairs.Any(p => p.Key == "dbname") || targetDatabase != entry.Name)
                wanted.Add(("dbname", targetDatabase));
            lines[entry.LineIndex] = line with { Content = Replace(line.Content, parsed, wanted) };
        }
        var builder = new StringBuilder(text.Length + 64);
        foreach (var line in lines)
            builder.Append(line.Content).Append(line.Ending);
        return (builder.ToString(), matching.Select(e => e.Name).ToList());
    }

    /// <summary>A value as PgBouncer reads it back: bare when it has no space or quote, else single-quoted.</summary>
    internal static string Quote(string value) =>
        value.Length > 0 && !value.Any(c => c is ' ' or '\t' or '\'')
            ? value
            : $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    private static string Replace(string content, ParsedEntry parsed, List<(string Key, string Value)> wanted)
    {
        var builder = new StringBuilder(content);
        var appended = new StringBuilder();
        // Right to left, so that earlier offsets stay valid.
        foreach (var pair in parsed.Pairs.Where(p => wanted.Any(w => w.Key == p.Key)).OrderByDescending(p => p.Start))
        {
            builder.Remove(pair.Start, pair.End - pair.Start);
            builder.Insert(pair.Start, Quote(wanted.First(w => w.Key == pair.Key).Value));
        }
        foreach (var (key, value) in wanted.Where(w => parsed.Pairs.All(p => p.Key != w.Key)))
            appended.Append(' ').Append(key).Append('=').Append(Quote(value));
        if (appended.Length > 0)
            builder.Insert(parsed.ValueEnd + (builder.Length - content.Length), appended.ToString());
        return builder.ToString();
    }

    private static ServerEndpoint Endpoint(IReadOnlyList<Pair> pairs)
    {
        var host = pairs.FirstOrDefault(p => p.Key == "host")?.Value ?? "";
        var port = pairs.FirstOrDefault(p => p.Key == "port")?.Value;
        return new ServerEndpoint(host, port is not null && int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 5432);
    }

    private static bool InDatabases(List<Line> lines, int index)
    {
        for (var i = index; i >= 0; i--)
        {
            var trimmed = lines[i].Content.Trim();
            if (trimmed.StartsWith('['))
                return string.Equals(trimmed.TrimEnd().TrimStart('[').Split(']')[0].Trim(), "databases", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }

    private static ParsedEntry? ParseEntry(string content, bool inDatabases)
    {
        var trimmed = content.TrimStart();
        if (!inDatabases || trimmed.Length == 0 || trimmed[0] is ';' or '#' or '[')
            return null;
        var equals = content.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
            return null;
        var name = content[..equals].Trim();
        if (name.Length >= 2 && name[0] == '"' && name[^1] == '"')
            name = name[1..^1];
        var pairs = new List<Pair>();
        var p = equals + 1;
        var end = content.TrimEnd().Length;
        while (true)
        {
            while (p < end && content[p] is ' ' or '\t')
                p++;
            if (p >= end)
                break;
            var keyStart = p;
            while (p < end && content[p] is not '=' and not ' ' and not '\t')
                p++;
            var key = content[keyStart..p];
            while (p < end && content[p] is ' ' or '\t')
                p++;
            if (p >= end || content[p] != '=' || key.Length == 0)
                throw Malformed(name, content);
            p++;
            while (p < end && content[p] is ' ' or '\t')
                p++;
            var valueStart = p;
            string value;
            if (p < end && content[p] == '\'')
            {
                var unquoted = new StringBuilder();
                p++;
                while (true)
                {
                    if (p >= end)
                        throw Malformed(name, content);
                    if (content[p] == '\'')
                    {
                        if (p + 1 < end && content[p + 1] == '\'')
                            p++;
                        else
                            break;
                    }
                    unquoted.Append(content[p++]);
                }
                p++;
                value = unquoted.ToString();
            }
            else
            {
                while (p < end && content[p] is not ' ' and not '\t')
                    p++;
                value = content[valueStart..p];
            }
            pairs.Add(new Pair(key.ToLowerInvariant(), value, valueStart, p));
        }
        return new ParsedEntry(name, pairs, end);
    }

    private static PgMoveException Malformed(string name, string content) =>
        new("pgbouncer.ini_malformed", $"pgbouncer.ini: the [databases] entry \"{name}\" is not a list of key=value pairs PgBouncer can read: {content.Trim()}",
            "Fix that line (values with spaces go in single quotes) and RELOAD PgBouncer, then run the cutover again.");

    private static List<Line> SplitLines(string text)
    {
        var lines = new List<Line>();
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            if (newline < 0)
            {
                lines.Add(new Line(text[start..], ""));
                break;
            }
            var contentEnd = newline > start && text[newline - 1] == '\r' ? newline - 1 : newline;
            lines.Add(new Line(text[start..contentEnd], text[contentEnd..(newline + 1)]));
            start = newline + 1;
        }
        return lines;
    }

    private sealed record Line(string Content, string Ending);

    private sealed record Pair(string Key, string Value, int Start, int End);

    private sealed record ParsedEntry(string Name, IReadOnlyList<Pair> Pairs, int ValueEnd);
}
