using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Cutover;

/// <summary>
/// The freeze of a cutover: each source database read-only for new transactions (a database-level setting) and its
/// open sessions other than PgMove's ended. After a successful frozen cutover the source stays so on purpose (the
/// applications moved; a write there would be lost); <see cref="UnfreezeAsync"/> undoes it at any time.
/// </summary>
public static class SourceFreeze
{
    public static async Task FreezeAsync(NpgsqlConnection source, string database, CancellationToken ct)
    {
        await using (var readOnly = new NpgsqlCommand($"ALTER DATABASE {Identifiers.Quote(database)} SET default_transaction_read_only = on", source))
            await readOnly.ExecuteNonQueryAsync(ct);
        await using var kick = new NpgsqlCommand(
            "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = @db AND pid <> pg_catalog.pg_backend_pid() " +
            "AND backend_type = 'client backend' AND application_name <> 'pgmove'", source);
        kick.Parameters.AddWithValue("db", database);
        await kick.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The databases among <paramref name="databases"/> that carry PgMove's freeze (the database-level setting).</summary>
    public static async Task<IReadOnlyList<string>> FrozenAsync(ConnectionSpec source, IReadOnlyList<string> databases, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(source, "source", ct, tune: WritableSession.Tune);
        await using var command = new NpgsqlCommand(
            "SELECT d.datname::text FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase " +
            "WHERE s.setrole = 0 AND 'default_transaction_read_only=on' = ANY (s.setconfig) AND d.datname = ANY (@names) ORDER BY 1", connection);
        command.Parameters.AddWithValue("names", databases.ToArray());
        var frozen = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            frozen.Add(reader.GetString(0));
        return frozen;
    }

    /// <summary>
    /// Makes the databases writable again. Works while they are read-only: the session overrides the setting
    /// before <c>ALTER DATABASE</c> (which a read-only transaction refuses). Returns the databases it changed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UnfreezeAsync(ConnectionSpec source, IReadOnlyList<string> databases, CancellationToken ct)
    {
        var frozen = await FrozenAsync(source, databases, ct);
        if (frozen.Count == 0)
            return frozen;
        await using var connection = await PgConnector.OpenAsync(source, "source", ct, tune: WritableSession.Tune);
        foreach (var database in frozen)
        {
            await using var reset = new NpgsqlCommand($"ALTER DATABASE {Identifiers.Quote(database)} RESET default_transaction_read_only", connection);
            await reset.ExecuteNonQueryAsync(ct);
        }
        return frozen;
    }

    /// <summary>The SQL a DBA pastes into psql to undo the freeze by hand (works in a read-only session too).</summary>
    public static string ManualUndo(IEnumerable<string> databases) =>
        "SET default_transaction_read_only = off; " + string.Concat(databases.Select(d => $"ALTER DATABASE {Identifiers.Quote(d)} RESET default_transaction_read_only; "));
}
