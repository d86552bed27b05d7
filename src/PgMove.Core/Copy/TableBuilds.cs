using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Schema;

namespace PgMove.Core.Copy;

/// <summary>
/// The post-data section cut in two. Per copied table, the entries that only concern that table (see
/// <see cref="RestoreListEntry"/>), built by the copy workers as soon as the table's rows are in, while other tables
/// still copy; and a list file for everything else (foreign keys, triggers, rules, policies, comments, the indexes of
/// partitioned tables and materialized views), which pg_restore runs after all data as before. Foreign keys and
/// triggers thus never fire or wait during the load: they are created once every row is in.
/// </summary>
internal sealed class TableBuilds
{
    private readonly Dictionary<long, TableBuild> _byTable;

    private TableBuilds(Dictionary<long, TableBuild> byTable, string settings, string? restListFile)
    {
        _byTable = byTable;
        Settings = settings;
        RestListFile = restListFile;
    }

    /// <summary>Session settings of pg_restore's script, sent with each build.</summary>
    public string Settings { get; }

    /// <summary>The list file for the post-data restore after all data; null: the whole section (nothing was taken out).</summary>
    public string? RestListFile { get; }

    public int Count => _byTable.Count;

    /// <summary>The build that follows this table's rows, if any.</summary>
    public TableBuild? For(long tableOid) => _byTable.GetValueOrDefault(tableOid);

    /// <summary>Relations already analyzed by their build (their names as <see cref="TableToCopy.Name"/> gives them).</summary>
    public IEnumerable<TableToCopy> Analyzed => _byTable.Values.Where(b => b.Analyze).Select(b => b.Table);

    /// <summary>Nothing taken out: the post-data section and ANALYZE run after all data, as one step each.</summary>
    public static TableBuilds None { get; } = new([], "", null);

    /// <summary>
    /// Picks the entries out of the dump's table of contents (<paramref name="planner"/> reads the source inside the
    /// copy's snapshot, so its OIDs are the dump's). If pg_restore's script does not come out as one piece per picked
    /// entry, in order, nothing is taken out: the copy is then as it was before, never wrong.
    /// </summary>
    /// <param name="list">The dump's table of contents (<see cref="SchemaDump.ListAsync"/>), a line each.</param>
    public static async Task<TableBuilds> PrepareAsync(SchemaDump dump, IReadOnlyList<string> list, ConnectionSpec target, string database, NpgsqlConnection planner,
        IReadOnlyList<TableToCopy> tables, string workDirectory, bool noOwner, bool analyze, CancellationToken ct)
    {
        var copied = tables.ToDictionary(t => t.Oid);
        var owners = new Dictionary<(long Catalog, long Object), long>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/table_post_data_objects.sql"), planner))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (copied.ContainsKey(reader.GetInt64(2)))
                    owners[(reader.GetInt64(0), reader.GetInt64(1))] = reader.GetInt64(2);
            }
        }

        var parents = new HashSet<long>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/inheritance_parents.sql"), planner))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                parents.Add(reader.GetInt64(0));
        }

        var picked = new List<(RestoreListEntry Entry, long Table)>();
        foreach (var line in list)
        {
            if (RestoreListEntry.Parse(line) is { } entry && owners.TryGetValue((entry.CatalogOid, entry.ObjectOid), out var table))
                picked.Add((entry, table));
        }

        var pieces = new List<(string Type, string Name, string Sql)>();
        var settings = "";
        if (picked.Count > 0)
        {
            var pickedFile = Path.Combine(workDirectory, "table-builds.list");
            await File.WriteAllLinesAsync(pickedFile, picked.Select(p => p.Entry.Line), ct);
            (settings, pieces) = Split(await dump.PostDataScriptAsync(target, database, pickedFile, noOwner, ct));
            if (pieces.Count != picked.Count || pieces.Where((piece, i) => piece.Type != picked[i].Entry.Type).Any())
                return None;
        }

        var entriesByTable = picked.Select((p, i) => (p.Table, Piece: pieces[i])).ToLookup(p => p.Table, p => p.Piece);
        var byTable = new Dictionary<long, TableBuild>();
        foreach (var table in tables)
        {
            var entries = entriesByTable[table.Oid].ToList();
            // An inheritance parent is analyzed with the rest after all data: its children may not be copied yet.
            var analyzeNow = analyze && !parents.Contains(table.Oid);
            if (entries.Count > 0 || analyzeNow)
                byTable[table.Oid] = new TableBuild(table, entries, analyzeNow);
        }

        var restFile = Path.Combine(workDirectory, "post-data.list");
        var pickedLines = picked.Select(p => p.Entry.Line).ToHashSet(StringComparer.Ordinal);
        // A line starting with ';' is a comment to pg_restore: the entry is left out.
        await File.WriteAllLinesAsync(restFile, list.Select(line => pickedLines.Contains(line) ? ";" + line : line), ct);
        return new TableBuilds(byTable, settings, restFile);
    }

    private static (string, List<(string Type, string Name, string Sql)>) Split(string script)
    {
        var (settings, entries) = PostDataScript.Split(script);
        return (settings, entries.ToList());
    }
}
