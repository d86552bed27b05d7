using System.Globalization;
using PgMove.Core.Catalog;
using PgMove.Core.Text;

namespace PgMove.Core.Verify;

/// <summary>
/// Compares one table: the source and the target query run at the same time, on their own connections.
/// A table keyed by one integer column and holding more than <see cref="VerifyOptions.ChunkRows"/> rows goes
/// chunk by chunk, so that each query stays bounded and a difference is pinned to a key range.
/// </summary>
internal static class TableComparer
{
    public static async Task<TableComparison> CompareAsync(VerifyOptions options, TablePair pair, CancellationToken ct)
    {
        if (pair.Source is null || pair.Target is null)
            return await CompareOneSidedAsync(options, pair, ct);

        var columns = pair.Source.Columns.Where(pair.Target.Columns.Contains).ToList();
        var key = pair.Source.KeyColumn is { } k && k == pair.Target.KeyColumn ? k : null;

        var (source, target) = await OpenBothAsync(options, pair.Database, ct);
        await using (source)
        await using (target)
        {
            var ranges = new List<KeyRangeDifference>();
            long sourceRows = 0, targetRows = 0;
            var sameContent = true;
            long? next = key is null ? null : await source.NextChunkStartAsync(pair.Table, key, long.MinValue, options.ChunkRows, ct);
            if (next is null)
            {
                // One query: no integer key, or no more rows than one chunk.
                key = null;
                var (s, t) = await BothAsync(source, target, pair.Table, columns, null, long.MinValue, long.MaxValue, ct);
                (sourceRows, targetRows, sameContent) = (s.Rows, t.Rows, s == t);
            }
            else
            {
                var from = long.MinValue;
                while (true)
                {
                    var to = next is null ? long.MaxValue : next.Value - 1;
                    var (s, t) = await BothAsync(source, target, pair.Table, columns, key, from, to, ct);
                    sourceRows += s.Rows;
                    targetRows += t.Rows;
                    if (s != t)
                    {
                        sameContent = false;
                        ranges.Add(new KeyRangeDifference(from == long.MinValue ? null : from, next is null ? null : to, s.Rows, t.Rows));
                    }
                    if (next is null)
                        break;
                    from = next.Value;
                    next = await source.NextChunkStartAsync(pair.Table, key!, from, options.ChunkRows, ct);
                }
            }
            string? firstKey = null;
            if (!sameContent && KeyOf(pair, columns) is { } keys)
            {
                // Within the first differing chunk when the chunks go by this same key: the scan stays as bounded as they are.
                var first = ranges.Count > 0 && key is not null && keys is [var only] && only == key ? ranges[0] : null;
                firstKey = await FirstDifferingKey.FindAsync(source, target, pair.Table, keys, columns, first is null ? null : key,
                    first?.From ?? long.MinValue, first?.To ?? long.MaxValue, ct);
            }
            return Describe(pair, columns, key, sourceRows, targetRows, sameContent, ranges) is var comparison && firstKey is not null
                ? comparison with { Detail = comparison.Detail![..^1] + "; " + firstKey + ".", FirstDifferingKey = firstKey }
                : comparison;
        }
    }

    /// <summary>The source's primary or unique NOT NULL key, when every one of its columns is on both sides.</summary>
    private static IReadOnlyList<string>? KeyOf(TablePair pair, List<string> common) =>
        pair.Source!.KeyColumns is { Count: > 0 } keys && keys.All(common.Contains) ? keys : null;

    private static TableComparison Describe(
        TablePair pair, List<string> common, string? key, long sourceRows, long targetRows, bool sameContent, List<KeyRangeDifference> ranges)
    {
        var parts = new List<string>();
        var difference = TableDifference.None;

        var onlySource = pair.Source!.Columns.Except(common).Select(Identifiers.Quote).ToList();
        var onlyTarget = pair.Target!.Columns.Except(common).Select(Identifiers.Quote).ToList();
        if (onlySource.Count > 0 || onlyTarget.Count > 0)
        {
            difference = TableDifference.Columns;
            if (onlySource.Count > 0)
                parts.Add($"columns missing on the target: {string.Join(", ", onlySource)}");
            if (onlyTarget.Count > 0)
                parts.Add($"columns only on the target: {string.Join(", ", onlyTarget)}");
        }
        if (sourceRows != targetRows)
        {
            if (difference == TableDifference.None)
                difference = TableDifference.RowCount;
            parts.Add($"{Plural.Of(sourceRows, "row")} on the source, {targetRows.ToString("N0", CultureInfo.InvariantCulture)} on the target");
        }
        else if (!sameContent)
        {
            if (difference == TableDifference.None)
                difference = TableDifference.Content;
            parts.Add($"{Plural.Of(sourceRows, "row")} on both sides but their content differs" + (onlySource.Count + onlyTarget.Count > 0 ? " (in the common columns)" : ""));
        }
        if (ranges.Count > 0)
        {
            const int shown = 10;
            var listed = string.Join(", ", ranges.Take(shown).Select(r => $"{r} ({r.SourceRows.ToString("N0", CultureInfo.InvariantCulture)} vs {Plural.Of(r.TargetRows, "row")})"));
            parts.Add($"differing {Identifiers.Quote(key!)} ranges: {listed}" + (ranges.Count > shown ? $" and {ranges.Count - shown} more" : ""));
        }

        var detail = parts.Count == 0 ? null : Capitalize(string.Join("; ", parts)) + ".";
        return new TableComparison(pair.Database, pair.Table, sourceRows, targetRows, difference, detail, key, ranges);
    }

    private static async Task<TableComparison> CompareOneSidedAsync(VerifyOptions options, TablePair pair, CancellationToken ct)
    {
        var onSource = pair.Source is not null;
        long? rows = null;
        if (onSource || pair.TargetDatabaseExists)
        {
            var shape = (pair.Source ?? pair.Target)!;
            await using var session = await VerifySession.OpenAsync(onSource ? options.Source : options.Target, onSource ? "source" : "target", pair.Database, ct, options.SnapshotOf(onSource ? "source" : "target", pair.Database));
            rows = (await session.ChecksumAsync(pair.Table, shape.Columns, null, long.MinValue, long.MaxValue, ct)).Rows;
        }
        if (onSource)
        {
            var where = pair.TargetDatabaseExists ? "The table is missing on the target" : $"The database '{pair.Database}' is missing on the target";
            return new TableComparison(pair.Database, pair.Table, rows, null, TableDifference.MissingOnTarget, $"{where}; the source has {Plural.Of(rows ?? 0, "row")}.", null, []);
        }
        return new TableComparison(pair.Database, pair.Table, null, rows, TableDifference.MissingOnSource, $"The table exists on the target only, with {Plural.Of(rows ?? 0, "row")}.", null, []);
    }

    private static async Task<(Checksum Source, Checksum Target)> BothAsync(
        VerifySession source, VerifySession target, QualifiedName table, IReadOnlyList<string> columns, string? key, long from, long to, CancellationToken ct)
    {
        var sourceTask = source.ChecksumAsync(table, columns, key, from, to, ct);
        var targetTask = target.ChecksumAsync(table, columns, key, from, to, ct);
        await Task.WhenAll(sourceTask, targetTask);
        return (await sourceTask, await targetTask);
    }

    private static async Task<(VerifySession Source, VerifySession Target)> OpenBothAsync(VerifyOptions options, string database, CancellationToken ct)
    {
        var sourceTask = VerifySession.OpenAsync(options.Source, "source", database, ct);
        var targetTask = VerifySession.OpenAsync(options.Target, "target", database, ct, options.SnapshotOf("target", database));
        try
        {
            await Task.WhenAll(sourceTask, targetTask);
        }
        catch
        {
            // One side failed: close the other before reporting.
            if (sourceTask.IsCompletedSuccessfully)
                await (await sourceTask).DisposeAsync();
            if (targetTask.IsCompletedSuccessfully)
                await (await targetTask).DisposeAsync();
            throw;
        }
        return (await sourceTask, await targetTask);
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
