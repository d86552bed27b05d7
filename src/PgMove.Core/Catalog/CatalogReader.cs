using Npgsql;

namespace PgMove.Core.Catalog;

/// <summary>Reads what a server holds. Read-only: nothing here changes either server.</summary>
public static class CatalogReader
{
    public static async Task<ServerFacts> ReadServerAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/server_facts.sql"), connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException("The connected role is not visible in pg_roles.");
        return new ServerFacts
        {
            VersionNum = reader.GetInt32(0),
            Version = reader.GetString(1),
            IsSuperuser = reader.GetBoolean(2),
            CanReplicate = reader.GetBoolean(3),
            CanCreateDatabase = reader.GetBoolean(4),
            CanCreateRole = reader.GetBoolean(5),
            ReadsAllData = reader.GetBoolean(6),
            WalLevel = reader.GetString(7),
            MaxReplicationSlots = reader.GetInt32(8),
            MaxWalSenders = reader.GetInt32(9),
            MaxLogicalReplicationWorkers = reader.GetInt32(10),
            MaxWorkerProcesses = reader.GetInt32(11),
            ListenAddresses = reader.GetString(12),
            SlotsInUse = reader.GetInt32(13),
            WalSendersInUse = reader.GetInt32(14),
            CurrentUser = reader.GetString(15),
        };
    }

    public static async Task<IReadOnlyList<DatabaseInfo>> ReadDatabasesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "databases", r => new DatabaseInfo(
            r.GetString(0), r.GetBoolean(1), r.GetBoolean(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7)), ct);

    /// <summary>Every database's oid by name (slot names are made from it).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadDatabaseOidsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var oids = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT datname, oid::bigint FROM pg_catalog.pg_database", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            oids[reader.GetString(0)] = reader.GetInt64(1);
        return oids;
    }

    public static async Task<IReadOnlyList<QualifiedName>> ReadTablesWithoutKeyAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "tables_without_key", r => new QualifiedName(r.GetString(0), r.GetString(1)), ct);

    public static async Task<IReadOnlyList<ExtensionInfo>> ReadExtensionsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "extensions", r => new ExtensionInfo(r.GetString(0), r.GetString(1)), ct);

    public static async Task<IReadOnlyList<AvailableExtension>> ReadAvailableExtensionsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "available_extensions", r => new AvailableExtension(
            r.GetString(0), r.GetFieldValue<string[]>(1), r.IsDBNull(2) ? null : r.GetString(2)), ct);

    public static async Task<IReadOnlyList<string>> ReadLanguagesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "languages", r => r.GetString(0), ct);

    public static async Task<IReadOnlyList<(string Name, string Provider, string Locale)>> ReadCollationsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadListAsync(connection, "collations", r => (r.GetString(0), r.GetString(1), r.GetString(2)), ct);

    public static async Task<IReadOnlySet<string>> ReadLocalesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        (await ReadListAsync(connection, "target_locales", r => r.GetString(0), ct)).ToHashSet(StringComparer.Ordinal);

    public static async Task<int> CountUserTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/user_tables_count.sql"), connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    public static async Task<DatabaseFacts> ReadDatabaseFactsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var rows = await ReadListAsync(connection, "database_facts", r => new DatabaseFacts(r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3)), ct);
        return rows[0];
    }

    public static async Task<IReadOnlyList<OpenTransaction>> ReadOpenTransactionsAsync(NpgsqlConnection connection, int minAgeSeconds, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/open_transactions.sql"), connection);
        command.Parameters.AddWithValue("min_age_seconds", (double)minAgeSeconds);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<OpenTransaction>();
        while (await reader.ReadAsync(ct))
            list.Add(new OpenTransaction(reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        return list;
    }

    /// <summary>Whether the server is a standby and what makes sessions read-only by default (see <see cref="ReadOnlyState"/>).</summary>
    public static async Task<ReadOnlyState> ReadReadOnlyStateAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var settings = await ReadListAsync(connection, "read_only_settings", r => new ReadOnlySetting(
            r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), ReadOnlyState.ParseBoolean(r.GetString(2))), ct);
        var rows = await ReadListAsync(connection, "read_only_state", r => new ReadOnlyState(
            r.GetBoolean(0), r.GetBoolean(1), r.GetString(2), r.GetString(3), r.GetString(4), settings), ct);
        return rows[0];
    }

    public static async Task<ServerFingerprint> ReadFingerprintAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var rows = await ReadListAsync(connection, "server_fingerprint", r => new ServerFingerprint(
            r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3)), ct);
        return rows[0];
    }

    private static async Task<List<T>> ReadListAsync<T>(NpgsqlConnection connection, string query, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get($"Catalog/Sql/{query}.sql"), connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await reader.ReadAsync(ct))
            list.Add(map(reader));
        return list;
    }
}
