using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Errors;

namespace PgMove.Core.Verify;

/// <summary>
/// Compares every table of every migrated database between the source and the target: row counts and an
/// order-independent checksum of the rows, computed by each server so that PgMove's memory stays small.
/// It only reads. The source is compared as it is now: at cutover, call it once writes are frozen.
/// </summary>
public static class VerifyRunner
{
    /// <summary>Compares the databases <paramref name="options"/> selects; a difference is reported, never thrown.</summary>
    /// <exception cref="UsageException">The options are out of range.</exception>
    /// <exception cref="PgMoveException">A server cannot be reached or a table cannot be read; the message names which.</exception>
    public static async Task<VerifyReport> RunAsync(VerifyOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var databases = await SelectDatabasesAsync(options, ct);
        try
        {
            return await CompareAsync(options, databases, ct);
        }
        finally
        {
            ReleaseSessions(options, databases);
        }
    }

    private static async Task<VerifyReport> CompareAsync(VerifyOptions options, IReadOnlyList<string> databases, CancellationToken ct)
    {
        var targetDatabases = await ReadDatabaseNamesAsync(options, ct);
        var ignoreSchemas = options.IgnoreSchemas.ToHashSet(StringComparer.Ordinal);

        var pairs = new List<TablePair>();
        foreach (var database in databases)
            pairs.AddRange(await ListTablesAsync(options, database, targetDatabases.Contains(database), ignoreSchemas, ct));

        // Largest first, so that a big table does not start last and hold up the end.
        var work = pairs.Select((pair, index) => (pair, index)).OrderByDescending(w => w.pair.SizeBytes).ToList();
        var results = new TableComparison[pairs.Count];
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.Jobs, CancellationToken = ct }, async (item, token) =>
            results[item.index] = await TableComparer.CompareAsync(options, item.pair, token));

        return new VerifyReport(options.Source.ToString(), options.Target.ToString(), databases, results);
    }

    /// <summary>
    /// Closes the pooled connections verify leaves idle, so that no session of it lingers on either server
    /// (an idle session in a database makes DROP DATABASE fail).
    /// </summary>
    private static void ReleaseSessions(VerifyOptions options, IReadOnlyList<string> databases)
    {
        foreach (var spec in new[] { options.Source, options.Target })
        {
            foreach (var database in databases.Append(spec.Database))
            {
                using var connection = new NpgsqlConnection(spec.WithDatabase(database).ToNpgsqlConnectionString());
                NpgsqlConnection.ClearPool(connection);
            }
        }
    }

    private static async Task<IReadOnlyList<string>> SelectDatabasesAsync(VerifyOptions options, CancellationToken ct)
    {
        IReadOnlyList<DatabaseInfo> all;
        await using (var connection = await Connections.PgConnector.OpenAsync(options.Source, "source", ct))
            all = await CatalogReader.ReadDatabasesAsync(connection, ct);
        var selected = DatabaseSelection.Select(all, options.IgnoreDatabases).Select(d => d.Name).ToList();
        if (options.Databases is null)
            return selected;

        var unknown = options.Databases.Where(d => !selected.Contains(d, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            throw new PgMoveException(
                "verify.unknown_database",
                $"Database '{unknown[0]}' is not among the source's databases that a migration moves ({string.Join(", ", selected)}).",
                "Name a database that exists on the source, accepts connections, is no template and is not ignored.");
        return options.Databases.Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<HashSet<string>> ReadDatabaseNamesAsync(VerifyOptions options, CancellationToken ct)
    {
        await using var connection = await Connections.PgConnector.OpenAsync(options.Target, "target", ct);
        return (await CatalogReader.ReadDatabasesAsync(connection, ct)).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The tables of one database on both sides, paired by schema and name, in name order.</summary>
    private static async Task<IEnumerable<TablePair>> ListTablesAsync(
        VerifyOptions options, string database, bool onTarget, IReadOnlySet<string> ignoreSchemas, CancellationToken ct)
    {
        async Task<IReadOnlyDictionary<QualifiedName, TableShape>> ReadAsync(Connections.ConnectionSpec spec, string role)
        {
            await using var session = await VerifySession.OpenAsync(spec, role, database, ct, options.SnapshotOf(role, database));
            return await session.ReadTablesAsync(ignoreSchemas, ct);
        }

        var sourceTask = ReadAsync(options.Source, "source");
        var targetTask = onTarget ? ReadAsync(options.Target, "target") : Task.FromResult<IReadOnlyDictionary<QualifiedName, TableShape>>(new Dictionary<QualifiedName, TableShape>());
        await Task.WhenAll(sourceTask, targetTask);
        var source = await sourceTask;
        var target = await targetTask;

        return source.Keys.Union(target.Keys)
            .Order(Comparer<QualifiedName>.Create(static (a, b) =>
                string.CompareOrdinal(a.Schema, b.Schema) is var bySchema and not 0 ? bySchema : string.CompareOrdinal(a.Name, b.Name)))
            .Select(name => new TablePair(database, name, source.GetValueOrDefault(name), target.GetValueOrDefault(name), onTarget));
    }
}
