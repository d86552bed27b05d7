using Npgsql;

namespace PgMove.Core.Catalog;

/// <summary>Reads what a server holds. Read-only: nothing here changes either server.</summary>
public static class CatalogReader
{
    public static async Task<ServerFacts> ReadServerAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddServer, ct);

    /// <summary>The server's facts, read with the batch's other queries.</summary>
    public static Func<ServerFacts> AddServer(CatalogBatch batch)
    {
        var rows = batch.AddQuery("server_facts", reader => new ServerFacts
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
        });
        return () => rows() is [var facts] ? facts : throw new InvalidOperationException("The connected role is not visible in pg_roles.");
    }

    public static async Task<IReadOnlyList<DatabaseInfo>> ReadDatabasesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddDatabases, ct);

    public static Func<IReadOnlyList<DatabaseInfo>> AddDatabases(CatalogBatch batch) =>
        batch.AddQuery("databases", r => new DatabaseInfo(
            r.GetString(0), r.GetBoolean(1), r.GetBoolean(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7)));

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
        await ReadOneAsync(connection, AddTablesWithoutKey, ct);

    public static Func<IReadOnlyList<QualifiedName>> AddTablesWithoutKey(CatalogBatch batch) =>
        batch.AddQuery("tables_without_key", r => new QualifiedName(r.GetString(0), r.GetString(1)));

    public static async Task<IReadOnlyList<ExtensionInfo>> ReadExtensionsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddExtensions, ct);

    public static Func<IReadOnlyList<ExtensionInfo>> AddExtensions(CatalogBatch batch) =>
        batch.AddQuery("extensions", r => new ExtensionInfo(r.GetString(0), r.GetString(1)));

    public static async Task<IReadOnlyList<AvailableExtension>> ReadAvailableExtensionsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddAvailableExtensions, ct);

    public static Func<IReadOnlyList<AvailableExtension>> AddAvailableExtensions(CatalogBatch batch) =>
        batch.AddQuery("available_extensions", r => new AvailableExtension(
            r.GetString(0), r.GetFieldValue<string[]>(1), r.IsDBNull(2) ? null : r.GetString(2)));

    public static async Task<IReadOnlyList<string>> ReadLanguagesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddLanguages, ct);

    public static Func<IReadOnlyList<string>> AddLanguages(CatalogBatch batch) => batch.AddQuery("languages", r => r.GetString(0));

    public static async Task<IReadOnlyList<(string Name, string Provider, string Locale)>> ReadCollationsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddCollations, ct);

    public static Func<IReadOnlyList<(string Name, string Provider, string Locale)>> AddCollations(CatalogBatch batch) =>
        batch.AddQuery("collations", r => (r.GetString(0), r.GetString(1), r.GetString(2)));

    public static async Task<IReadOnlySet<string>> ReadLocalesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddLocales, ct);

    public static Func<IReadOnlySet<string>> AddLocales(CatalogBatch batch)
    {
        var rows = batch.AddQuery("target_locales", r => r.GetString(0));
        return () => rows().ToHashSet(StringComparer.Ordinal);
    }

    public static async Task<int> CountUserTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/user_tables_count.sql"), connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    public static async Task<DatabaseFacts> ReadDatabaseFactsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddDatabaseFacts, ct);

    public static Func<DatabaseFacts> AddDatabaseFacts(CatalogBatch batch)
    {
        var rows = batch.AddQuery("database_facts", r => new DatabaseFacts(r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3)));
        return () => rows()[0];
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
    public static async Task<ReadOnlyState> ReadReadOnlyStateAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddReadOnlyState, ct);

    public static Func<ReadOnlyState> AddReadOnlyState(CatalogBatch batch)
    {
        var settings = batch.AddQuery("read_only_settings", r => new ReadOnlySetting(
            r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), ReadOnlyState.ParseBoolean(r.GetString(2))));
        var rows = batch.AddQuery("read_only_state", r => (r.GetBoolean(0), r.GetBoolean(1), r.GetString(2), r.GetString(3), r.GetString(4)));
        return () =>
        {
            var (a, b, c, d, e) = rows()[0];
            return new ReadOnlyState(a, b, c, d, e, settings().ToList());
        };
    }

    public static async Task<ServerFingerprint> ReadFingerprintAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ReadOneAsync(connection, AddFingerprint, ct);

    public static Func<ServerFingerprint> AddFingerprint(CatalogBatch batch)
    {
        var rows = batch.AddQuery("server_fingerprint", r => new ServerFingerprint(
            r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3)));
        return () => rows()[0];
    }

    /// <summary>One reading on its own: a batch of that one query.</summary>
    private static async Task<T> ReadOneAsync<T>(NpgsqlConnection connection, Func<CatalogBatch, Func<T>> add, CancellationToken ct)
    {
        var batch = new CatalogBatch(connection);
        var result = add(batch);
        await batch.ExecuteAsync(ct);
        return result();
    }
}
