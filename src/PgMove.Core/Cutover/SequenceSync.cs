using Npgsql;
using PgMove.Core.Copy;
using PgMove.Core.Errors;

namespace PgMove.Core.Cutover;

/// <summary>Sets every sequence of a target database to the source's value (logical replication does not carry them).</summary>
public static class SequenceSync
{
    public static async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, string database, CancellationToken ct)
    {
        var names = await DatabaseCopier.ReadNamesAsync(source, "Copy/Sql/sequences.sql", ct);
        foreach (var name in names)
        {
            // name comes from the server's own quote_ident, so it is safe to embed.
            await using var read = new NpgsqlCommand($"SELECT last_value, is_called FROM {name}", source);
            await using var reader = await read.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (value, called) = (reader.GetInt64(0), reader.GetBoolean(1));
            await reader.CloseAsync();
            try
            {
                await using var set = new NpgsqlCommand("SELECT pg_catalog.setval(@name::pg_catalog.regclass, @value, @called)", target);
                set.Parameters.AddWithValue("name", name);
                set.Parameters.AddWithValue("value", value);
                set.Parameters.AddWithValue("called", called);
                await set.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException error)
            {
                throw new PgMoveException("copy.sequence_failed", $"database {database}, sequence {name}: {error.MessageText}",
                    "Check that the sequence exists on the target with the same definition, then run pgmove again.", error);
            }
        }
    }
}
