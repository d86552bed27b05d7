using Npgsql;
using PgMove.Core.Catalog;

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
        var objects = new List<(long Oid, string Owner, string[] Grants)>();
        await using (var list = new NpgsqlCommand(SqlResources.Get("Copy/Sql/large_objects.sql"), source))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                objects.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2)));
        }
        var oids = objects.Select(o => o.Oid).ToList();
        // Large objects gone from the source go from the target too; the others are rewritten whole.
        await using (var unlink = new NpgsqlCommand(
            "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE NOT (oid::bigint = ANY (@oids))", target))
        {
            unlink.Parameters.AddWithValue("oids", oids.ToArray());
            await unlink.ExecuteNonQueryAsync(ct);
        }
        foreach (var (oid, owner, grants) in objects)
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
            await RestoreOwnershipAsync(target, transaction, oid, owner, grants, ct);
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>The owner and grants of the source's object; a role the target lacks leaves the object to the target user.</summary>
    private static async Task RestoreOwnershipAsync(NpgsqlConnection target, NpgsqlTransaction transaction, long oid, string owner, string[] grants, CancellationToken ct)
    {
        var statements = new List<string>();
        if (await RoleExistsAsync(target, transaction, owner, ct))
            statements.Add($"ALTER LARGE OBJECT {oid} OWNER TO {owner}");
        foreach (var grant in grants)
        {
            var bar = grant.LastIndexOf('|');
            var grantee = grant[..bar];
            if (grantee.Length == 0 || await RoleExistsAsync(target, transaction, grantee, ct))
                statements.Add($"GRANT {grant[(bar + 1)..]} ON LARGE OBJECT {oid} TO {(grantee.Length == 0 ? "PUBLIC" : grantee)}");
        }
        foreach (var sql in statements)
        {
            // owner and grantee are regrole output: quoted by the server where needed.
            await using var command = new NpgsqlCommand(sql, target, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task<bool> RoleExistsAsync(NpgsqlConnection target, NpgsqlTransaction transaction, string quotedRole, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_catalog.to_regrole(@role) IS NOT NULL", target, transaction);
        command.Parameters.AddWithValue("role", quotedRole);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
