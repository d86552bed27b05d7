using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Copy;

/// <summary>Creates a source database's twin on the target (same encoding, locale, owner), or drops one to redo it.</summary>
public static class TargetDatabases
{
    public static async Task<bool> ExistsAsync(ConnectionSpec target, string database, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(target, "target", ct);
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = @name)", connection);
        command.Parameters.AddWithValue("name", database);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public static async Task CreateAsync(ConnectionSpec target, DatabaseInfo database, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(target, "target", ct);
        await using var ownerExists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = @owner)", connection);
        ownerExists.Parameters.AddWithValue("owner", database.Owner);
        var owner = (bool)(await ownerExists.ExecuteScalarAsync(ct))! ? $" OWNER {Identifiers.Quote(database.Owner)}" : "";
        var sql = $"CREATE DATABASE {Identifiers.Quote(database.Name)} WITH TEMPLATE template0 ENCODING {Identifiers.Literal(database.Encoding)} " +
                  $"LC_COLLATE {Identifiers.Literal(database.Collate)} LC_CTYPE {Identifiers.Literal(database.Ctype)}{owner}";
        try
        {
            await using var create = new NpgsqlCommand(sql, connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException error)
        {
            throw new PgMoveException("copy.create_database_failed",
                $"database {database.Name}: the target refused to create it ({error.MessageText}).",
                "Check the target user's CREATEDB right and that the target has the source's encoding and locale.", error);
        }
    }

    public static async Task DropAsync(ConnectionSpec target, string database, int targetMajor, CancellationToken ct)
    {
        // A database cannot be dropped from a session connected to it.
        await using var connection = await PgConnector.OpenAsync(target, "target", ct, target.Database == database ? (database == "template1" ? "postgres" : "template1") : null);
        var force = targetMajor >= 13 ? " WITH (FORCE)" : "";
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Identifiers.Quote(database)}{force}", connection);
        await drop.ExecuteNonQueryAsync(ct);
        // Pooled sessions to the dropped database were terminated by FORCE: never hand them out again.
        NpgsqlConnection.ClearAllPools();
    }
}
