using NpgsqlTypes;
using PgMove.Core.Cutover;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Cutover;

/// <summary>
/// The cutover's check for writes the target lacks reads the slot from its confirmed position; a transaction the
/// target has applied (by its own record) counts as applied even when the slot was never told (the last
/// acknowledgement of a stream can be lost as it stops: the check then refused a cutover for writes already there):
/// the slot is moved up to it first.
/// </summary>
public sealed class PendingWritesTests
{
    [SkippableFact]
    public async Task FirstAsync_TransactionsUpToTheTargetsAppliedPosition_AreNotPending()
    {
        await using var cluster = await PgCluster.StartAsync();
        await cluster.ExecuteAsync("CREATE DATABASE shop");
        await cluster.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); CREATE TABLE orders (id int PRIMARY KEY); CREATE PUBLICATION pub FOR ALL TABLES", "shop");
        await cluster.ScalarAsync<string>("SELECT lsn::text FROM pg_create_logical_replication_slot('slot', 'pgoutput')", "shop");
        var database = new CutoverDatabase("shop", "slot", "pub");

        await cluster.ExecuteAsync("SET synchronous_commit = on; INSERT INTO items VALUES (1)", "shop");
        var afterItems = NpgsqlLogSequenceNumber.Parse(await cluster.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text", "shop"));
        await cluster.ExecuteAsync("SET synchronous_commit = on; INSERT INTO orders VALUES (1)", "shop");

        await using var source = await cluster.OpenAsync("shop");
        Assert.Equal(["public.items"], await PendingWrites.FirstAsync(source, database, appliedUpTo: null, CancellationToken.None));
        // The target applied the first transaction, the slot was not told: the second is the first the target lacks.
        Assert.Equal(["public.orders"], await PendingWrites.FirstAsync(source, database, afterItems, CancellationToken.None));
        // The slot was moved up to it, as the lost acknowledgement would have; never back.
        Assert.Equal(afterItems.ToString(), await cluster.ScalarAsync<string>("SELECT confirmed_flush_lsn::text FROM pg_replication_slots", "shop"));
        Assert.Equal(["public.orders"], await PendingWrites.FirstAsync(source, database, appliedUpTo: null, CancellationToken.None));
        Assert.Equal(["public.orders"], await PendingWrites.FirstAsync(source, database, new NpgsqlLogSequenceNumber(1), CancellationToken.None));
        var afterOrders = NpgsqlLogSequenceNumber.Parse(await cluster.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text", "shop"));
        Assert.Empty((await PendingWrites.FirstAsync(source, database, afterOrders, CancellationToken.None))!);
        await cluster.ExecuteAsync("SELECT pg_drop_replication_slot('slot')", "shop");
    }
}
