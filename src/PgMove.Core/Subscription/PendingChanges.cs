using System.Buffers.Binary;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;

namespace PgMove.Core.Subscription;

/// <summary>
/// The tables of the first transaction a subscription has not applied: peeked (not consumed) from its slot on the
/// source in pgoutput's binary protocol, whose Relation messages ('R') name each table before its first change.
/// </summary>
internal static class PendingChanges
{
    public static async Task<IReadOnlyList<(string Schema, string Name)>> FirstTransactionTablesAsync(NpgsqlConnection source, string slot, string publication, CancellationToken ct) =>
        (await FirstTransactionAsync(source, slot, publication, appliedUpTo: null, ct)).Tables;

    /// <summary>
    /// The tables of the first transaction with changes past <paramref name="appliedUpTo"/> (the subscription's
    /// replication origin, when known: the slot may not have confirmed all it applied), and the position before which
    /// captured DDL belongs to the stream the target has reached or is stuck at: that transaction's commit; the last
    /// position peeked when its commit was not reached; null when no change is pending (every captured DDL is behind).
    /// </summary>
    public static async Task<(IReadOnlyList<(string Schema, string Name)> Tables, NpgsqlLogSequenceNumber? Bound)> FirstTransactionAsync(
        NpgsqlConnection source, string slot, string publication, NpgsqlLogSequenceNumber? appliedUpTo, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/pending_changes.sql"), source);
        command.Parameters.AddWithValue("slot", slot);
        command.Parameters.AddWithValue("publications", Identifiers.Quote(publication));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tables = new List<(string Schema, string Name)>();
        var seenChange = false;
        NpgsqlLogSequenceNumber? last = null;
        while (await reader.ReadAsync(ct))
        {
            var message = reader.GetFieldValue<byte[]>(0);
            last = reader.GetFieldValue<NpgsqlLogSequenceNumber>(1);
            if (message.Length == 0)
                continue;
            switch ((char)message[0])
            {
                case 'R':
                    var name = ReadRelationName(message);
                    if (!tables.Contains(name))
                        tables.Add(name);
                    break;
                case 'I' or 'U' or 'D' or 'T':
                    seenChange = true;
                    break;
                case 'C' when seenChange && appliedUpTo is { } applied && ReadCommit(message).End <= applied:
                    // Applied on the target, not yet confirmed to the source: not the one the apply is at.
                    tables.Clear();
                    seenChange = false;
                    break;
                case 'C' when seenChange:
                    return (tables, ReadCommit(message).Commit);
            }
        }
        return (tables, seenChange ? last : null);
    }

    /// <summary>Commit: Int8 flags, then the commit's LSN and the end of its record (big-endian).</summary>
    internal static (NpgsqlLogSequenceNumber Commit, NpgsqlLogSequenceNumber End) ReadCommit(byte[] message) =>
        (new NpgsqlLogSequenceNumber(BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(2, 8))),
         new NpgsqlLogSequenceNumber(BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(10, 8))));

    /// <summary>Relation: Int32 oid, then namespace and name as NUL-terminated strings (an empty namespace is pg_catalog).</summary>
    internal static (string Schema, string Name) ReadRelationName(byte[] message)
    {
        var offset = 1 + sizeof(int);
        var schema = ReadCString(message, ref offset);
        var name = ReadCString(message, ref offset);
        return (schema.Length == 0 ? "pg_catalog" : schema, name);
    }

    /// <summary>The relation's name as <c>schema.name</c>, unquoted.</summary>
    internal static string ReadRelation(byte[] message)
    {
        var (schema, name) = ReadRelationName(message);
        return $"{schema}.{name}";
    }

    private static string ReadCString(byte[] message, ref int offset)
    {
        var end = Array.IndexOf(message, (byte)0, offset);
        if (end < 0)
            end = message.Length;
        var text = Encoding.UTF8.GetString(message, offset, end - offset);
        offset = end + 1;
        return text;
    }
}
