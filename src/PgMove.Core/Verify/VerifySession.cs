using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Verify;

/// <summary>
/// One connection to one database of the source or the target, with the output settings that make row
/// texts agree across servers. Every failure names the server, the database and the table.
/// </summary>
internal sealed class VerifySession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private VerifySession(NpgsqlConnection connection, string role, string database)
    {
        _connection = connection;
        Role = role;
        Database = database;
    }

    /// <summary>"source" or "target".</summary>
    public string Role { get; }

    public string Database { get; }

    /// <param name="snapshot">An exported snapshot to read the database as it was then (see <see cref="VerifyOptions.TargetSnapshots"/>), or null.</param>
    public static async Task<VerifySession> OpenAsync(ConnectionSpec spec, string role, string database, CancellationToken ct, string? snapshot = null)
    {
        var connection = await PgConnector.OpenAsync(spec, role, ct, database);
        var session = new VerifySession(connection, role, database);
        try
        {
            await session.RunAsync("the session settings", async () =>
            {
                await using var command = new NpgsqlCommand(SqlResources.Get("Verify/Sql/session.sql"), connection);
                await command.ExecuteNonQueryAsync(ct);
                if (snapshot is not null)
                {
                    // The session stays in this one transaction: every later query reads the exported snapshot.
                    await using var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", connection);
                    await begin.ExecuteNonQueryAsync(ct);
                    await using var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT {Identifiers.Literal(snapshot)}", connection);
                    await import.ExecuteNonQueryAsync(ct);
                }
                return 0;
            });
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyDictionary<QualifiedName, TableShape>> ReadTablesAsync(IReadOnlySet<string> ignoreSchemas, CancellationToken ct) =>
        await RunAsync("the list of tables", async () =>
        {
            await using var command = new NpgsqlCommand(SqlResources.Get("Verify/Sql/tables.sql"), _connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var tables = new Dictionary<QualifiedName, TableShape>();
            while (await reader.ReadAsync(ct))
            {
                var name = new QualifiedName(reader.GetString(0), reader.GetString(1));
                if (ignoreSchemas.Contains(name.Schema))
                    continue;
                tables[name] = new TableShape(reader.GetFieldValue<string[]>(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<string[]>(5));
            }
            return tables;
        });

    /// <summary>Count and checksum of the rows, all of them or those whose key lies in [from, to].</summary>
    public async Task<Checksum> ChecksumAsync(QualifiedName table, IReadOnlyList<string> columns, string? key, long from, long to, CancellationToken ct) =>
        await RunAsync($"table {table}", async () =>
        {
            var row = "ROW(" + string.Join(", ", columns.Select(Identifiers.Quote)) + ")";
            var where = key is null ? "" : $"WHERE {Identifiers.Quote(key)} BETWEEN @from AND @to";
            var sql = SqlResources.Get("Verify/Sql/checksum.sql")
                .Replace("{row}", row, StringComparison.Ordinal)
                .Replace("{table}", table.ToString(), StringComparison.Ordinal)
                .Replace("{where}", where, StringComparison.Ordinal);
            await using var command = new NpgsqlCommand(sql, _connection);
            if (key is not null)
            {
                command.Parameters.AddWithValue("from", from);
                command.Parameters.AddWithValue("to", to);
            }
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new Checksum(reader.GetInt64(0), reader.GetString(1));
        });

    /// <summary>The key <paramref name="rows"/> keys after the first key at or above <paramref name="from"/>; null when fewer remain.</summary>
    public async Task<long?> NextChunkStartAsync(QualifiedName table, string key, long from, long rows, CancellationToken ct) =>
        await RunAsync($"table {table}", async () =>
        {
            var sql = SqlResources.Get("Verify/Sql/chunk_start.sql")
                .Replace("{key}", Identifiers.Quote(key), StringComparison.Ordinal)
                .Replace("{table}", table.ToString(), StringComparison.Ordinal);
            await using var command = new NpgsqlCommand(sql, _connection);
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("rows", rows);
            return await command.ExecuteScalarAsync(ct) is long next ? next : (long?)null;
        });

    /// <summary>
    /// Every row's key (each column's text, in UTF-8) and the md5 of the row, in the byte order of the keys, so that
    /// both servers list them in the same order whatever their collations; optionally only [from, to] of an integer key.
    /// </summary>
    public async Task<NpgsqlDataReader> ScanKeysAsync(QualifiedName table, IReadOnlyList<string> keys, IReadOnlyList<string> columns,
        string? rangeKey, long from, long to, CancellationToken ct) =>
        await RunAsync($"table {table}", async () =>
        {
            var sql = SqlResources.Get("Verify/Sql/key_scan.sql")
                .Replace("{keys}", string.Join(", ", keys.Select(k => $"pg_catalog.convert_to(({Identifiers.Quote(k)})::text, 'UTF8')")), StringComparison.Ordinal)
                .Replace("{row}", "ROW(" + string.Join(", ", columns.Select(Identifiers.Quote)) + ")", StringComparison.Ordinal)
                .Replace("{table}", table.ToString(), StringComparison.Ordinal)
                .Replace("{where}", rangeKey is null ? "" : $"WHERE {Identifiers.Quote(rangeKey)} BETWEEN @from AND @to", StringComparison.Ordinal)
                .Replace("{order}", string.Join(", ", Enumerable.Range(1, keys.Count)), StringComparison.Ordinal);
            var command = new NpgsqlCommand(sql, _connection);
            if (rangeKey is not null)
            {
                command.Parameters.AddWithValue("from", from);
                command.Parameters.AddWithValue("to", to);
            }
            return await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        });

    /// <summary>The next row of a <see cref="ScanKeysAsync"/>, or null at its end.</summary>
    public async Task<(byte[][] Key, string Hash)?> NextKeyAsync(NpgsqlDataReader reader, int keys, QualifiedName table, CancellationToken ct) =>
        await RunAsync($"table {table}", async () =>
        {
            if (!await reader.ReadAsync(ct))
                return ((byte[][] Key, string Hash)?)null;
            var key = new byte[keys][];
            for (var i = 0; i < keys; i++)
                key[i] = reader.GetFieldValue<byte[]>(i);
            return (key, reader.GetString(keys));
        });

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private async Task<T> RunAsync<T>(string what, Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (PostgresException error)
        {
            throw new PgMoveException(
                "verify.read_failed",
                $"Reading {what} of database '{Database}' on the {Role} failed: {error.MessageText} ({error.SqlState}).",
                error.SqlState == PostgresErrorCodes.InsufficientPrivilege
                    ? $"Let the {Role} user read every table: GRANT pg_read_all_data TO the user (PostgreSQL 14+), or GRANT SELECT on the table, then run verify again."
                    : "Fix the cause above on that server, then run verify again.",
                error);
        }
        catch (NpgsqlException error)
        {
            throw new PgMoveException(
                "verify.read_failed",
                $"Reading {what} of database '{Database}' on the {Role} failed: {error.Message}",
                "Check that the server is up and reachable, then run verify again.",
                error);
        }
    }
}
