namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// Splits a query string as PostgreSQL does into statements at the semicolons outside quotes, dollar quotes,
/// comments and parentheses, and reads each into tokens: enough to tell what kind of statement each is and to
/// find its words (TEMP, CONCURRENTLY, WITH DATA), never to interpret it. Assumes standard_conforming_strings
/// (the default since PostgreSQL 9.1): a backslash escapes only in E'' strings.
/// </summary>
internal static class SqlStatementSplitter
{
    public static List<(string Text, List<SqlToken> Tokens)> Split(string sql)
    {
        var statements = new List<(string, List<SqlToken>)>();
        var tokens = new List<SqlToken>();
        var start = 0;
        var depth = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1, '-'))
            {
                while (i < sql.Length && sql[i] != '\n')
                    i++;
            }
            else if (c == '/' && At(sql, i + 1, '*'))
            {
                var nesting = 0;
                do
                {
                    if (sql[i] == '/' && At(sql, i + 1, '*')) { nesting++; i += 2; }
                    else if (sql[i] == '*' && At(sql, i + 1, '/')) { nesting--; i += 2; }
                    else i++;
                } while (nesting > 0 && i < sql.Length);
            }
            else if (c == '\'')
            {
                var escapes = tokens.Count > 0 && tokens[^1].End == i && tokens[^1].Word == "E";
                if (escapes)
                    tokens.RemoveAt(tokens.Count - 1); // the E belongs to the literal
                var begin = escapes ? i - 1 : i;
                i = SkipQuoted(sql, i, '\'', escapes);
                tokens.Add(new SqlToken(null, '\'', begin, i));
            }
            else if (c == '"')
            {
                var begin = i;
                i = SkipQuoted(sql, i, '"', false);
                tokens.Add(new SqlToken(null, '"', begin, i));
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var begin = i;
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + tag.Length;
                tokens.Add(new SqlToken(null, '$', begin, i));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var begin = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                    i++;
                tokens.Add(new SqlToken(sql[begin..i].ToUpperInvariant(), '\0', begin, i));
            }
            else if (c == ';' && depth == 0)
            {
                Add(statements, sql, start, i, tokens);
                tokens = [];
                i++;
                start = i;
            }
            else
            {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                tokens.Add(new SqlToken(null, c, i, i + 1));
                i++;
            }
        }
        Add(statements, sql, start, sql.Length, tokens);
        return statements;
    }

    private static void Add(List<(string, List<SqlToken>)> statements, string sql, int start, int end, List<SqlToken> tokens)
    {
        if (tokens.Count == 0)
            return; // empty, or only comments
        // Offsets relative to the statement's own text.
        var from = tokens[0].Start;
        var to = tokens[^1].End;
        statements.Add((sql[from..to], tokens.Select(t => t with { Start = t.Start - from, End = t.End - from }).ToList()));
    }

    private static bool At(string sql, int i, char c) => i < sql.Length && sql[i] == c;

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }
            if (sql[i] == quote)
            {
                if (At(sql, i + 1, quote))
                {
                    i += 2; // a doubled quote
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    /// <summary>The dollar-quote tag starting at <paramref name="i"/> ($$ or $name$), or null for a parameter ($1) or anything else.</summary>
    private static string? DollarTag(string sql, int i)
    {
        var j = i + 1;
        if (j < sql.Length && char.IsDigit(sql[j]))
            return null;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
            j++;
        return j < sql.Length && sql[j] == '$' ? sql[i..(j + 1)] : null;
    }
}
