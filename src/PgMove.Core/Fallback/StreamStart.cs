using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;

namespace PgMove.Core.Fallback;

/// <summary>
/// Starts a relay stream between two databases that are already identical (no copy): a publication and a slot on the
/// server the stream reads, and the slot's consistent point recorded as applied on the server it writes. Every session
/// overrides a freeze (<see cref="WritableSession"/>): at a switch one of the two servers is frozen on purpose.
/// </summary>
internal static class StreamStart
{
    /// <summary>The publication (kept if there) and the slot (made again if an earlier attempt left it); returns its consistent point.</summary>
    public static async Task<NpgsqlLogSequenceNumber> CreateAsync(ConnectionSpec server, string role, string database, string slot, string publication, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await using (var create = new NpgsqlCommand(
            $"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {Identifiers.Literal(publication)}) THEN " +
            $"CREATE PUBLICATION {Identifiers.Quote(publication)} FOR ALL TABLES; END IF; END $$", connection))
            await create.ExecuteNonQueryAsync(ct);
        await MigrationRunner.DropSlotAsync(connection, slot, ct);
        // At a fallback's switch nothing writes either server (the applications held, one server frozen, the other level):
        // the slot's consistent point is where both hold the same rows. A cutover with fallback makes it before the pause
        // and starts its stream later, at the position where both are the same (LevelAsync).
        await using var slotCommand = new NpgsqlCommand("SELECT lsn FROM pg_catalog.pg_create_logical_replication_slot(@slot, 'pgoutput')", connection);
        slotCommand.Parameters.AddWithValue("slot", slot);
        return (NpgsqlLogSequenceNumber)(await slotCommand.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The server's current WAL insert position: past the commit record of every transaction committed so far (a commit
    /// is visible once its record is inserted), so a stream started there sends none of them.
    /// </summary>
    public static async Task<NpgsqlLogSequenceNumber> LevelAsync(ConnectionSpec server, string role, string database, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await using var command = new NpgsqlCommand("SELECT pg_catalog.pg_current_wal_insert_lsn()", connection);
        return (NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The slot and publication, if there.</summary>
    public static async Task DropAsync(ConnectionSpec server, string role, string database, string slot, string publication, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await MigrationRunner.DropSlotAsync(connection, slot, ct);
        await using var drop = new NpgsqlCommand($"DROP PUBLICATION IF EXISTS {Identifiers.Quote(publication)}", connection);
        await drop.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Where the stream starts, in the written database's bookkeeping (as a copy records it).</summary>
    public static async Task RecordAppliedAsync(ConnectionSpec server, string role, string database, string slot, NpgsqlLogSequenceNumber lsn, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await AppliedPosition.EnsureAsync(connection, ct);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { AppliedPosition.Write(slot, lsn) } };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Forgets a position recorded by <see cref="RecordAppliedAsync"/> (its table stays: the other direction may use it).</summary>
    public static async Task ForgetAppliedAsync(ConnectionSpec server, string role, string database, string slot, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await using var delete = new NpgsqlCommand(
            $"DO $$ BEGIN IF pg_catalog.to_regclass({Identifiers.Literal($"{Identifiers.Quote(ReplicationNames.BookkeepingSchema)}.\"applied\"")}) IS NOT NULL THEN " +
            $"DELETE FROM {Identifiers.Quote(ReplicationNames.BookkeepingSchema)}.\"applied\" WHERE slot = {Identifiers.Literal(slot)}; END IF; END $$", connection);
        await delete.ExecuteNonQueryAsync(ct);
    }
}
