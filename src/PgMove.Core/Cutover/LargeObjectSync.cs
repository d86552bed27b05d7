using System.Globalization;
using Npgsql;
using PgMove.Core.Copy;

namespace PgMove.Core.Cutover;

/// <summary>
/// Copies large objects (not carried by COPY nor by logical replication) from a source connection, read in
/// its snapshot, to the target: chunk by chunk so memory stays bounded. Used after the copy and at cutover.
/// </summary>
public static class LargeObjectSync
{
    private const int Chunk = 1024 * 1024;

    /// <summary>Large objects are not in COPY data: read in chunks in the snapshot, written with lo_put.</summary>
    public static async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, CancellationToken ct)
    {
        var oids = (await DatabaseCopier.ReadNamesAsync(source, "Copy/Sql/large_objects.sql", ct)).Select(o => long.Parse(o, CultureInfo.InvariantCulture)).ToList();
        // Large objects gone from the source go from the target too; the others are rewritten whole.
        await using (var unlink = new NpgsqlCommand(
            "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE NOT (oid::bigint = ANY (@oids))", target))
        {
            unlink.Parameters.AddWithValue("oids", oids.ToArray());
            await unlink.ExecuteNonQueryAsync(ct);
        }
        foreach (var oid in oids)
        {
            await using var transaction = await target.BeginTransactionAsync(ct);
            await using (var truncate = new NpgsqlCommand(
                "SELECT pg_catalog.lo_unlink(@oid::pg_catalog.oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = @oid::pg_catalog.oid", target, transaction))
            {
                truncate.Parameters.AddWithValue("oid", oid);
                await truncate.ExecuteNonQueryAsync(ct);
            }
            await using (var create = new NpgsqlCommand(
                "SELECT pg_catalog.lo_create(@oid::pg_catalog.oid) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata WHERE oid = @oid::pg_catalog.oid)", target, transaction))
            {
                create.Parameters.AddWithValue("oid", oid);
                await create.ExecuteNonQueryAsync(ct);
            }
            for (long offset = 0; ; offset += Chunk)
            {
                await using var get = new NpgsqlCommand("SELECT pg_catalog.lo_get(@oid::pg_catalog.oid, @offset, @length)", source);
                get.Parameters.AddWithValue("oid", oid);
                get.Parameters.AddWithValue("offset", offset);
                get.Parameters.AddWithValue("length", Chunk);
                var chunk = (byte[])(await get.ExecuteScalarAsync(ct))!;
                if (chunk.Length == 0)
                    break;
                await using var put = new NpgsqlCommand("SELECT pg_catalog.lo_put(@oid::pg_catalog.oid, @offset, @data)", target, transaction);
                put.Parameters.AddWithValue("oid", oid);
                put.Parameters.AddWithValue("offset", offset);
                put.Parameters.AddWithValue("data", chunk);
                await put.ExecuteNonQueryAsync(ct);
                if (chunk.Length < Chunk)
                    break;
            }
            await transaction.CommitAsync(ct);
        }
    }
}
