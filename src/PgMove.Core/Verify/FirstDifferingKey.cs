using System.Text;
using PgMove.Core.Catalog;

namespace PgMove.Core.Verify;

/// <summary>
/// Names the first key (in key order) whose row differs between the source and the target, for a table whose
/// checksums differ and that has a primary key or a unique NOT NULL key of any type, text and composite included:
/// both sides list (key, row hash) in the same byte order and the lists are merged until they part.
/// </summary>
internal static class FirstDifferingKey
{
    private const int ShownValueLength = 60;

    /// <summary>
    /// The key that differs first in words, e.g. <c>"code" = 'b-2' (rows differ)</c>, or null when the sides agree
    /// after all (rows changed between the checksum and this scan). <paramref name="rangeKey"/> limits the scan to
    /// [<paramref name="from"/>, <paramref name="to"/>] of the integer key, the first chunk that differs.
    /// </summary>
    public static async Task<string?> FindAsync(VerifySession source, VerifySession target, QualifiedName table, IReadOnlyList<string> keys,
        IReadOnlyList<string> columns, string? rangeKey, long from, long to, CancellationToken ct)
    {
        await using var sourceRows = await source.ScanKeysAsync(table, keys, columns, rangeKey, from, to, ct);
        await using var targetRows = await target.ScanKeysAsync(table, keys, columns, rangeKey, from, to, ct);
        var s = await source.NextKeyAsync(sourceRows, keys.Count, table, ct);
        var t = await target.NextKeyAsync(targetRows, keys.Count, table, ct);
        while (s is not null || t is not null)
        {
            var order = s is null ? 1 : t is null ? -1 : Compare(s.Value.Key, t.Value.Key);
            if (order < 0)
                return Describe(keys, s!.Value.Key, "missing on the target");
            if (order > 0)
                return Describe(keys, t!.Value.Key, "only on the target");
            if (s!.Value.Hash != t!.Value.Hash)
                return Describe(keys, s.Value.Key, "the row differs");
            s = await source.NextKeyAsync(sourceRows, keys.Count, table, ct);
            t = await target.NextKeyAsync(targetRows, keys.Count, table, ct);
        }
        return null;
    }

    private static int Compare(byte[][] a, byte[][] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var order = a[i].AsSpan().SequenceCompareTo(b[i]);
            if (order != 0)
                return order;
        }
        return 0;
    }

    private static string Describe(IReadOnlyList<string> keys, byte[][] key, string what)
    {
        var values = key.Select(v => Literal(Encoding.UTF8.GetString(v))).ToList();
        var names = keys.Select(Identifiers.Quote).ToList();
        return keys.Count == 1
            ? $"the first differing key is {names[0]} = {values[0]} ({what})"
            : $"the first differing key is ({string.Join(", ", names)}) = ({string.Join(", ", values)}) ({what})";
    }

    /// <summary>A value as an SQL literal to paste into a WHERE clause; a very long one is cut.</summary>
    private static string Literal(string value) =>
        "'" + (value.Length > ShownValueLength ? value[..ShownValueLength] + "…" : value).Replace("'", "''", StringComparison.Ordinal) + "'";
}
