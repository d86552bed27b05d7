using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Copy;
using PgMove.Core.Errors;

namespace PgMove.Core.Cutover;

/// <summary>
/// Sets every sequence of a target database to the source's value (logical replication does not carry them).
/// A sequence created on the source while streaming (no table brought it) is created on the target first, from
/// the source's definition.
/// </summary>
public static class SequenceSync
{
    public static async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, string database, CancellationToken ct)
    {
        var names = await DatabaseCopier.ReadNamesAsync(source, "Copy/Sql/sequences.sql", ct);
        foreach (var name in names)
        {
            // name comes from the server's own quote_ident, so it is safe to embed.
            await using var read = new NpgsqlCommand(
                "SELECT s.last_value, s.is_called, p.data_type::text, p.start_value, p.increment_by, p.min_value, p.max_value, p.cache_size, p.cycle " +
                $"FROM {name} s, pg_catalog.pg_sequences p WHERE pg_catalog.quote_ident(p.schemaname) || '.' || pg_catalog.quote_ident(p.sequencename) = @name", source);
            read.Parameters.AddWithValue("name", name);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                continue; // a sequence the user cannot see through pg_sequences: setval below would fail the same way
            var (value, called) = (reader.GetInt64(0), reader.GetBoolean(1));
            var definition = $"AS {reader.GetString(2)} START {reader.GetInt64(3)} INCREMENT {reader.GetInt64(4)} MINVALUE {reader.GetInt64(5)} " +
                             $"MAXVALUE {reader.GetInt64(6)} CACHE {reader.GetInt64(7)} {(reader.GetBoolean(8) ? "CYCLE" : "NO CYCLE")}";
            await reader.CloseAsync();
            try
            {
                // Created only when missing: CREATE … IF NOT EXISTS would still need CREATE on the schema, which a
                // non-superuser target user may lack where the sequences all exist.
                await using (var exists = new NpgsqlCommand("SELECT pg_catalog.to_regclass(@name) IS NOT NULL", target))
                {
                    exists.Parameters.AddWithValue("name", name);
                    if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                    {
                        await using var create = new NpgsqlCommand($"CREATE SEQUENCE {name} {definition}", target);
                        await create.ExecuteNonQueryAsync(ct);
                    }
                }
                await using var set = new NpgsqlCommand("SELECT pg_catalog.setval(@name::pg_catalog.regclass, @value, @called)", target);
                set.Parameters.AddWithValue("name", name);
                set.Parameters.AddWithValue("value", value);
                set.Parameters.AddWithValue("called", called);
                await set.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException error)
            {
                throw new PgMoveException("cutover.sequence_failed", $"database {database}, sequence {name}: {error.MessageText}",
                    $"Create the sequence (and its schema) on the target in database {database} with the source's definition, then run the same command again.", error);
            }
        }
    }
}
