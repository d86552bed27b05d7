using Npgsql;
using PgMove.Core.Subscription;

namespace PgMove.Core.Cutover;

/// <summary>
/// Whether a source database was written after its slot's confirmed position: the slot is peeked (nothing is
/// consumed) for the first transaction with a row change. A cutover finds the source still written this way while
/// the slot still exists, instead of learning it from a failed verification after the way back is gone.
/// </summary>
internal static class PendingWrites
{
    /// <summary>The tables of the first unapplied transaction, or an empty list; null when the slot is gone.</summary>
    public static async Task<IReadOnlyList<string>?> FirstAsync(NpgsqlConnection source, CutoverDatabase database, CancellationToken ct)
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
                return (await PendingChanges.FirstTransactionTablesAsync(source, database.Slot, database.Publication, ct)).Select(t => $"{t.Schema}.{t.Name}").ToList();
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 150)
            {
                await Task.Delay(200, ct); // the stream's walsender is still exiting
            }
        }
    }
}
