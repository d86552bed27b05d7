using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Subscription;

namespace PgMove.Core.Cutover;

/// <summary>
/// Whether a source database was written after what the target applied: the slot is peeked (nothing is consumed) for
/// the first transaction with a row change. A cutover finds the source still written this way while the slot still
/// exists, instead of learning it from a failed verification after the way back is gone.
/// </summary>
internal static class PendingWrites
{
    /// <summary>
    /// The tables of the first transaction the target has not applied, or an empty list; null when the slot is gone.
    /// <paramref name="appliedUpTo"/> is the target's own durable record of what it applied: the slot is first moved up
    /// to it (only forward), which the stream's last acknowledgement would have done had it not been lost as the
    /// stream stopped; a transaction already on the target is then not taken for a write it lacks.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> FirstAsync(NpgsqlConnection source, CutoverDatabase database, NpgsqlLogSequenceNumber? appliedUpTo, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = @slot)", source))
        {
            exists.Parameters.AddWithValue("slot", database.Slot);
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                return null;
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (appliedUpTo is { } applied && source.PostgreSqlVersion.Major >= 11)
                    await AdvanceAsync(source, database.Slot, applied, ct);
                return (await PendingChanges.FirstTransactionTablesAsync(source, database.Slot, database.Publication, ct)).Select(t => $"{t.Schema}.{t.Name}").ToList();
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 150)
            {
                await Task.Delay(200, ct); // the stream's walsender is still exiting
            }
        }
    }

    private static async Task AdvanceAsync(NpgsqlConnection source, string slot, NpgsqlLogSequenceNumber applied, CancellationToken ct)
    {
        // pg_replication_slot_advance refuses a position behind the confirmed one: only a slot that lags is moved.
        await using var advance = new NpgsqlCommand(
            "SELECT pg_catalog.pg_replication_slot_advance(slot_name, @applied) FROM pg_catalog.pg_replication_slots " +
            "WHERE slot_name = @slot AND confirmed_flush_lsn < @applied", source);
        advance.Parameters.AddWithValue("slot", slot);
        advance.Parameters.AddWithValue("applied", NpgsqlDbType.PgLsn, applied);
        await advance.ExecuteNonQueryAsync(ct);
    }
}
