namespace PgMove.Core.Catalog;

/// <summary>Which databases of a server a migration moves: all but templates, those refusing connections, and the ignore list.</summary>
public static class DatabaseSelection
{
    public static IReadOnlyList<DatabaseInfo> Select(IEnumerable<DatabaseInfo> databases, IEnumerable<string> ignore)
    {
        var ignored = ignore.ToHashSet(StringComparer.Ordinal);
        return databases.Where(d => !d.IsTemplate && d.AllowsConnections && !ignored.Contains(d.Name)).ToList();
    }
}
