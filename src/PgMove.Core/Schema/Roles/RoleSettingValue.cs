using System.Text;
using PgMove.Core.Catalog;

namespace PgMove.Core.Schema.Roles;

/// <summary>
/// Turns a setting's stored text back into the value of ALTER ROLE … SET. Most are one literal. List settings
/// (search_path and alike) are stored with their elements quoted as identifiers ("$user", public): each element
/// becomes its own literal, or the whole list would come back as one quoted name.
/// </summary>
internal static class RoleSettingValue
{
    // PostgreSQL's own settings marked GUC_LIST_QUOTE.
    private static readonly HashSet<string> ListSettings = new(StringComparer.Ordinal)
    {
        "search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries", "unix_socket_directories",
    };

    public static string ToSql(string name, string value) =>
        ListSettings.Contains(name) ? string.Join(", ", SplitList(value).Select(Identifiers.Literal)) : Identifiers.Literal(value);

    /// <summary>The elements of a stored list: separated by commas, each optionally in double quotes ("" for a quote).</summary>
    internal static IReadOnlyList<string> SplitList(string value)
    {
        var elements = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < value.Length && char.IsWhiteSpace(value[i]))
                i++;
            if (i >= value.Length)
                break;
            var element = new StringBuilder();
            var quoted = value[i] == '"';
            if (quoted)
            {
                for (i++; i < value.Length; i++)
                {
                    if (value[i] == '"')
                    {
                        if (i + 1 < value.Length && value[i + 1] == '"')
                        {
                            element.Append('"');
                            i++;
                            continue;
                        }
                        i++;
                        break;
                    }
                    element.Append(value[i]);
                }
            }
            else
            {
                while (i < value.Length && value[i] != ',')
                    element.Append(value[i++]);
            }
            elements.Add(quoted ? element.ToString() : element.ToString().TrimEnd());
            while (i < value.Length && value[i] != ',')
                i++;
            i++;
        }
        // An empty list is stored as "" and set back as ''.
        return elements.Count == 0 ? [""] : elements;
    }
}
