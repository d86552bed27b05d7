using System.Globalization;

namespace PgMove.Core.Text;

/// <summary>Counts with their noun in the right number for people to read: "1 table", "2 tables", "1,204 rows".</summary>
public static class Plural
{
    /// <summary>
    /// <paramref name="count"/> (grouped by thousands) and <paramref name="noun"/>, with <paramref name="plural"/>
    /// (default: the noun and an s) unless the count is one.
    /// </summary>
    public static string Of(long count, string noun, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {Noun(count, noun, plural)}");

    /// <summary>The noun alone in the number that <paramref name="count"/> asks for.</summary>
    public static string Noun(long count, string noun, string? plural = null) => count == 1 ? noun : plural ?? noun + "s";
}
