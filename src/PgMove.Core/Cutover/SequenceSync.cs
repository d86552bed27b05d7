using Npgsql;
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
    /// <remarks>
    /// Three round trips whatever the number of sequences (one read, one existence check, one batch of setval): with a
    /// switch this runs while the applications wait, and one round trip per sequence cost 0.4–0.9 s for 100 of them
    /// (bench/cutover-bench.sh).
    /// </remarks>
    public static async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, string database, CancellationToken ct)
    {
        var names = await DatabaseCopier.ReadColumnAsync<string>(source, "Copy/Sql/sequences.sql", ct);
        if (names.Count == 0)
            return;
        var sequences = await ReadAsync(source, names, database, ct);
        try
        {
            await CreateMissingAsync(target, sequences, ct);
            await using var set = new NpgsqlCommand(
                "SELECT pg_catalog.setval(t.name::pg_catalog.regclass, t.value, t.called) FROM ROWS FROM (pg_catalog.unnest(@names), pg_catalog.unnest(@values), pg_catalog.unnest(@called)) AS t(name, value, called)", target);
            set.Parameters.AddWithValue("names", sequences.Select(q => q.Name).ToArray());
            set.Parameters.AddWithValue("values", sequences.Select(q => q.Value).ToArray());
            set.Parameters.AddWithValue("called", sequences.Select(q => q.Called).ToArray());
            await set.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException error)
        {
            throw new PgMoveException("cutover.sequence_failed", $"database {database}, sequences: {error.MessageText}",
                $"Create the sequence (and its schema) on the target in database {database} with the source's definition, or let the target user set it, then run the same command again.", error);
        }
    }

    private sealed record SourceSequence(string Name, long Value, bool Called, string Definition);

    private static async Task<List<SourceSequence>> ReadAsync(NpgsqlConnection source, IReadOnlyList<string> names, string database, CancellationToken ct)
    {
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(
            "SELECT n.name, p.data_type::text, p.start_value, p.increment_by, p.min_value, p.max_value, p.cache_size, p.cycle, " +
            "pg_catalog.has_sequence_privilege(n.name, 'SELECT') " +
            "FROM pg_catalog.unnest(@names) AS n(name) JOIN pg_catalog.pg_sequences p " +
            "ON pg_catalog.quote_ident(p.schemaname) || '.' || pg_catalog.quote_ident(p.sequencename) = n.name", source))
        {
            read.Parameters.AddWithValue("names", names.ToArray());
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var name = reader.GetString(0);
                if (!reader.GetBoolean(8))
                    throw new PgMoveException("cutover.sequence_unreadable", $"database {database}, sequence {name}: the source user may not read it.",
                        $"GRANT SELECT ON SEQUENCE {name} TO the source user in database {database}, then run the same command again.");
                definitions[name] = $"AS {reader.GetString(1)} START {reader.GetInt64(2)} INCREMENT {reader.GetInt64(3)} MINVALUE {reader.GetInt64(4)} " +
                                    $"MAXVALUE {reader.GetInt64(5)} CACHE {reader.GetInt64(6)} {(reader.GetBoolean(7) ? "CYCLE" : "NO CYCLE")}";
            }
        }
        if (definitions.Count == 0)
            return [];
        // The relations themselves, in one statement: pg_sequences hides is_called (a setval(…, false) would read as
        // never used). The names come from the server's own quote_ident, so they are safe to embed.
        var ordered = definitions.Keys.ToList();
        var sql = string.Join(" UNION ALL ", ordered.Select((name, i) => $"SELECT {i}, last_value, is_called FROM {name}"));
        var sequences = new List<SourceSequence>();
        await using (var values = new NpgsqlCommand(sql, source))
        await using (var reader = await values.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var name = ordered[reader.GetInt32(0)];
                sequences.Add(new SourceSequence(name, reader.GetInt64(1), reader.GetBoolean(2), definitions[name]));
            }
        }
        return sequences;
    }

    /// <summary>A sequence created on the source while streaming is created on the target from the source's definition.</summary>
    private static async Task CreateMissingAsync(NpgsqlConnection target, IReadOnlyList<SourceSequence> sequences, CancellationToken ct)
    {
        // Created only when missing: CREATE … IF NOT EXISTS would still need CREATE on the schema, which a
        // non-superuser target user may lack where the sequences all exist.
        await using var exists = new NpgsqlCommand("SELECT n.name FROM pg_catalog.unnest(@names) AS n(name) WHERE pg_catalog.to_regclass(n.name) IS NULL", target);
        exists.Parameters.AddWithValue("names", sequences.Select(q => q.Name).ToArray());
        var missing = new List<string>();
        await using (var reader = await exists.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                missing.Add(reader.GetString(0));
        foreach (var sequence in sequences.Where(q => missing.Contains(q.Name)))
        {
            // name comes from the server's own quote_ident, so it is safe to embed.
            await using var create = new NpgsqlCommand($"CREATE SEQUENCE {sequence.Name} {sequence.Definition}", target);
            await create.ExecuteNonQueryAsync(ct);
        }
    }
}
