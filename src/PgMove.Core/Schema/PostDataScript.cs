using System.Text;

namespace PgMove.Core.Schema;

/// <summary>
/// Cuts a script that <c>pg_restore --file</c> wrote for a list of entries into one piece of SQL per entry, in list
/// order, each runnable on its own session: the script's session settings and the <c>default_tablespace</c> and
/// <c>default_table_access_method</c> in force where the entry stood (pg_restore writes a SET only when the value
/// changes, so an entry taken out of order needs them restated). psql meta-commands (<c>\restrict</c>) are left out.
/// </summary>
public static class PostDataScript
{
    private const string EntryHeader = "-- Name: ";

    /// <summary>The session settings at the top of the script, and the pieces with their entry's type.</summary>
    public static (string Settings, IReadOnlyList<(string Type, string Name, string Sql)> Entries) Split(string script)
    {
        var settings = new StringBuilder();
        var entries = new List<(string Type, string Name, string Sql)>();
        string tablespace = "", accessMethod = "";
        StringBuilder? current = null;
        string type = "", name = "";

        void Finish()
        {
            if (current is not null)
                entries.Add((type, name, current.ToString()));
        }

        foreach (var line in script.Split('\n'))
        {
            if (line.StartsWith(EntryHeader, StringComparison.Ordinal))
            {
                Finish();
                // "-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: -"
                var fields = line[EntryHeader.Length..].Split("; ");
                name = fields[0];
                type = fields.FirstOrDefault(f => f.StartsWith("Type: ", StringComparison.Ordinal))?["Type: ".Length..] ?? "";
                current = new StringBuilder().Append(tablespace).Append(accessMethod);
                continue;
            }
            if (line.StartsWith("--", StringComparison.Ordinal) || line.StartsWith('\\') || line.Length == 0)
                continue;
            if (line.StartsWith("SET default_tablespace ", StringComparison.Ordinal))
                tablespace = line + "\n";
            else if (line.StartsWith("SET default_table_access_method ", StringComparison.Ordinal))
                accessMethod = line + "\n";
            if (current is not null)
                current.Append(line).Append('\n');
            // Npgsql speaks UTF-8 and nothing else: the dump's client_encoding is not for this session.
            else if (!line.StartsWith("SET client_encoding ", StringComparison.Ordinal)
                     && !line.StartsWith("SET default_tablespace ", StringComparison.Ordinal)
                     && !line.StartsWith("SET default_table_access_method ", StringComparison.Ordinal))
                settings.Append(line).Append('\n');
        }
        Finish();
        return (settings.ToString(), entries);
    }
}
