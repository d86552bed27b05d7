using Npgsql;

namespace PgMove.Core.Catalog;

/// <summary>
/// Several catalog queries sent to the server in one round trip (one <see cref="NpgsqlBatch"/>): each
/// <see cref="Add{T}"/> returns how to read its rows once <see cref="ExecuteAsync"/> has run. On a busy machine every
/// round trip waits for the server's backend to be scheduled; a preflight of a dozen queries per connection paid that
/// a dozen times.
/// </summary>
public sealed class CatalogBatch(NpgsqlConnection connection)
{
    private readonly List<(string Sql, Func<NpgsqlDataReader, CancellationToken, Task> Read)> _queries = [];

    /// <summary>Adds one query; the returned function gives its rows after <see cref="ExecuteAsync"/>.</summary>
    public Func<IReadOnlyList<T>> Add<T>(string sql, Func<NpgsqlDataReader, T> map)
    {
        var rows = new List<T>();
        _queries.Add((sql, async (reader, ct) =>
        {
            while (await reader.ReadAsync(ct))
                rows.Add(map(reader));
        }));
        return () => rows;
    }

    /// <summary>Adds one of PgMove's catalog queries (Catalog/Sql/NAME.sql).</summary>
    public Func<IReadOnlyList<T>> AddQuery<T>(string name, Func<NpgsqlDataReader, T> map) =>
        Add(SqlResources.Get($"Catalog/Sql/{name}.sql"), map);

    public async Task ExecuteAsync(CancellationToken ct)
    {
        if (_queries.Count == 0)
            return;
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (sql, _) in _queries)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        for (var i = 0; i < _queries.Count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync(ct))
                throw new InvalidOperationException($"The server returned {i} result sets for a batch of {_queries.Count} queries.");
            await _queries[i].Read(reader, ct);
        }
    }
}
