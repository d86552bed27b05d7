using System.CommandLine;
using System.CommandLine.Parsing;

namespace PgMove.Cli.Commands;

/// <summary>
/// "did you mean --ignore-db?" for an option or verb the parser did not recognize: the closest name (edit distance)
/// among the options the command accepts, or among its verbs.
/// </summary>
internal static class TypoSuggestions
{
    /// <summary>One line per unrecognized token that is close to a known name.</summary>
    public static IEnumerable<string> For(ParseResult parse)
    {
        var command = parse.CommandResult;
        var options = Options(command).ToList();
        var verbs = command.Command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name)).ToList();
        foreach (var token in parse.UnmatchedTokens.Distinct(StringComparer.Ordinal))
        {
            var isOption = token.StartsWith('-');
            var word = isOption ? token.Split('=', 2)[0] : token;
            if (Closest(word, isOption ? options : verbs) is { } known)
                yield return $"'{word}': did you mean {known}?";
        }
    }

    /// <summary>The options of the command and the recursive options of the commands above it, with their aliases.</summary>
    private static IEnumerable<string> Options(CommandResult command)
    {
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is not CommandResult level)
                continue;
            foreach (var option in level.Command.Options.Where(o => !o.Hidden && (level == command || o.Recursive)))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                    yield return alias;
            }
        }
    }

    /// <summary>The nearest name, if it is near enough to be a typo: at most a third of its length edited (at least one edit).</summary>
    internal static string? Closest(string word, IEnumerable<string> names)
    {
        var best = names
            .Where(n => n != word)
            .Select(n => (Name: n, Distance: Distance(word, n)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(1, best.Name.TrimStart('-').Length / 3) ? best.Name : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions, one each.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
