using PgMove.Core.Catalog;
using PgMove.Core.Copy;

namespace PgMove.Tests.Copy;

/// <summary>
/// The pre-data restore in parts (PreDataChunks) and the copy queue that hands out a table's rows only once its part
/// is in (CopyWorkQueue): pure logic, no server.
/// </summary>
public sealed class PreDataChunksTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-chunks-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A table of contents as pg_restore --list writes it: a schema, then per table its entry and its sequence.</summary>
    private static List<string> List(int tables)
    {
        var lines = new List<string> { ";", "; Archive created at 2026-12-05", ";", "5; 2615 2200 SCHEMA - public pg_database_owner" };
        for (var i = 1; i <= tables; i++)
        {
            lines.Add($"{100 + i}; 1259 {20000 + i} TABLE public t{i} postgres");
            lines.Add($"{5000 + i}; 1259 {30000 + i} SEQUENCE public t{i}_id_seq postgres");
        }
        lines.Add("9001; 0 20001 TABLE DATA public t1 postgres");
        lines.Add("9003; 0 0 TABLE ATTACH public t2 postgres");
        lines.Add("9002; 2606 88888 CONSTRAINT public t1 t1_pkey postgres");
        return lines;
    }

    private static readonly IReadOnlySet<long> AllEarly = Enumerable.Range(1, 10_000).Select(i => 20000L + i).ToHashSet();

    [Fact]
    public async Task Plan_TablesThatMustWait_AreInNoPart()
    {
        // Every other table (a serial column, a partition, ...) waits for the whole schema: it is released by no part.
        var early = Enumerable.Range(1, 1000).Where(i => i % 2 == 0).Select(i => 20000L + i).ToHashSet();
        var chunks = await PreDataChunks.PlanAsync(List(1000), early, _directory, CancellationToken.None);
        Assert.Equal(early.Order(), chunks.SelectMany(c => c.Tables));
    }

    [Fact]
    public async Task Plan_FewTables_OneRestoreOfTheWholeSection()
    {
        var chunks = await PreDataChunks.PlanAsync(List(PreDataChunks.SplitFrom - 1), AllEarly, _directory, CancellationToken.None);
        Assert.Equal([new PreDataChunk(null, [])], chunks);
    }

    [Fact]
    public async Task Plan_ManyTables_ConsecutivePartsThatKeepEveryLineInOrderAndEachTableOnce()
    {
        var list = List(1000);
        var chunks = await PreDataChunks.PlanAsync(list, AllEarly, _directory, CancellationToken.None);

        Assert.Equal(4, chunks.Count);
        // Read back in order, the parts are the list itself: nothing lost, nothing moved.
        var lines = new List<string>();
        foreach (var chunk in chunks)
            lines.AddRange(await File.ReadAllLinesAsync(chunk.ListFile!));
        Assert.Equal(list, lines);
        // The first part is small, so that rows start early; every table is in exactly one part, the part its entry is in.
        Assert.Equal(100, chunks[0].Tables.Count);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => 20000L + i), chunks.SelectMany(c => c.Tables));
        foreach (var chunk in chunks)
        {
            var inFile = (await File.ReadAllLinesAsync(chunk.ListFile!))
                .Where(l => l.Contains(" TABLE public ", StringComparison.Ordinal))
                .Select(l => long.Parse(l.Split(' ')[2]));
            Assert.Equal(chunk.Tables, inFile);
        }
        // A part ends right after a table's entry: that table's part holds the entry, later objects go to the next part.
        Assert.EndsWith($"1259 {chunks[0].Tables[^1]} TABLE public t100 postgres", (await File.ReadAllLinesAsync(chunks[0].ListFile!))[^1]);
    }

    private static CopyTask CopyOf(long oid) => new(new TableToCopy(oid, new QualifiedName("public", $"t{oid}"), 0, 0, ["id"], false));

    private static TableBuild Build(long oid) => new(CopyOf(oid).Table, [], Analyze: true);

    [Fact]
    public async Task Queue_HandsOutATablesRowsOnlyOnceItsPartIsIn_AndBuildsOnlyOnceTheWholeSchemaIs()
    {
        var queue = new CopyWorkQueue();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        queue.Release([2]);
        queue.Plan([CopyOf(1), CopyOf(2), CopyOf(3)]);

        // Table 2 was released before the plan came: its task is the only one to take.
        Assert.Equal(2, (await queue.TakeAsync(timeout.Token)).Copy!.Table.Oid);
        var waiting = queue.TakeAsync(timeout.Token);
        Assert.False(waiting.IsCompleted);
        queue.CopyDone(Build(2));
        // Its build waits for the whole schema: still nothing to take.
        Assert.False(waiting.IsCompleted);

        queue.Release([3]);
        Assert.Equal(3, (await waiting).Copy!.Table.Oid);
        queue.CopyDone(Build(3));

        queue.ReleaseAll();
        // Builds first, then the last table.
        Assert.Equal(2, (await queue.TakeAsync(timeout.Token)).Build!.Table.Oid);
        Assert.Equal(3, (await queue.TakeAsync(timeout.Token)).Build!.Table.Oid);
        Assert.Equal(1, (await queue.TakeAsync(timeout.Token)).Copy!.Table.Oid);
        var last = queue.TakeAsync(timeout.Token);
        Assert.False(last.IsCompleted); // table 1 is still copying: its build may come
        queue.CopyDone(null);
        Assert.Equal((null, null), await last);
    }

    [Fact]
    public async Task Queue_NotFinishedBeforeTheSchemaIsIn_EvenWithEveryTaskDone()
    {
        var queue = new CopyWorkQueue();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        queue.Plan([CopyOf(1)]);
        queue.Release([1]);
        Assert.Equal(1, (await queue.TakeAsync(timeout.Token)).Copy!.Table.Oid);
        queue.CopyDone(null);
        var next = queue.TakeAsync(timeout.Token);
        Assert.False(next.IsCompleted);
        queue.ReleaseAll();
        Assert.Equal((null, null), await next);
    }
}
