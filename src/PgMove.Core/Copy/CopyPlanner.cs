namespace PgMove.Core.Copy;

/// <summary>
/// Orders the work largest first and splits tables much larger than the rest into block ranges, so that
/// several workers share one big table instead of one worker copying it while the others idle.
/// </summary>
public static class CopyPlanner
{
    /// <summary>Smallest share of a split table. The default chunk is the larger of this and total / (jobs × 4).</summary>
    public const long MinimumChunkBytes = 32L * 1024 * 1024;

    public static IReadOnlyList<CopyTask> Plan(IReadOnlyList<TableToCopy> tables, int jobs, bool canSplit, long? chunkBytes = null, int blockSize = 8192)
    {
        var total = tables.Sum(t => t.SizeBytes);
        var chunk = chunkBytes ?? Math.Max(MinimumChunkBytes, total / Math.Max(1, jobs * 4));
        var tasks = new List<CopyTask>();
        foreach (var table in tables.OrderByDescending(t => t.SizeBytes))
        {
            var blocks = table.SizeBytes / blockSize;
            if (!canSplit || jobs < 2 || table.SizeBytes < 2 * chunk || blocks < 2)
            {
                tasks.Add(new CopyTask(table));
                continue;
            }
            var parts = (int)Math.Min(Math.Ceiling((double)table.SizeBytes / chunk), blocks);
            var blocksPerPart = (long)Math.Ceiling((double)blocks / parts);
            for (var part = 0; part < parts; part++)
            {
                var first = part * blocksPerPart;
                // The last range is open-ended: the table may have grown since its size was read.
                long? end = part == parts - 1 ? null : first + blocksPerPart;
                tasks.Add(new CopyTask(table, first, end, part + 1, parts));
            }
        }
        // Largest pieces first so that the last piece to finish is a small one.
        return tasks.OrderByDescending(t => t.IsWholeTable ? t.Table.SizeBytes : t.Table.SizeBytes / t.Parts).ToList();
    }
}
