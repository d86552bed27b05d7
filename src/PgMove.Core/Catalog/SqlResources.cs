using System.Collections.Concurrent;

namespace PgMove.Core.Catalog;

/// <summary>SQL kept in embedded .sql files (Catalog/Sql/name.sql and alike), read once.</summary>
internal static class SqlResources
{
    private static readonly ConcurrentDictionary<string, string> Cache = new();

    public static string Get(string logicalName) => Cache.GetOrAdd(logicalName, static name =>
    {
        using var stream = typeof(SqlResources).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded SQL '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
