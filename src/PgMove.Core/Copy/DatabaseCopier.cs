using System.Diagnostics;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Schema;
using PgMove.Core.Text;

namespace PgMove.Core.Copy;

/// <summary>
/// Copies one database inside one snapshot: pre-data schema, rows by parallel workers, which also build each table's
/// indexes and constraints and analyze it as soon as its rows are in, sequences and large objects read in the same
/// snapshot, then the rest of post-data (foreign keys, triggers: nothing fires or waits during the load) and ANALYZE
/// of what is left (partitioned tables, materialized views). A crash anywhere in here leaves the database marked
/// unfinished, and the next run drops it and copies it again in a new snapshot: half-built indexes go with it.
/// </summary>
internal sealed class DatabaseCopier(CopyOptions options, PgToolset tools, bool targetIsSuperuser, bool restoreOwners, CopyProgress progress)
{
    public async Task<DatabaseCopyResult> CopyAsync(DatabaseInfo database, string workDirectory, CancellationToken ct)
    {
        var name = database.Name;
        var stopwatch = Stopwatch.StartNew();
        var source = options.Source.WithDatabase(name);
        var target = options.Target.WithDatabase(name);
        var state = progress.For(name);

        await using var snapshot = await options.SnapshotSource.ExportAsync(options.Source, name, ct);
        await using var planner = await PgConnector.OpenAsync(source, "source", ct);
        await ExecuteAsync(planner, $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {Identifiers.Literal(snapshot.Id)}", ct);

        // A database that holds nothing (a server's `postgres`, most often) would cost a pg_dump, two pg_restores and a
        // database-wide ANALYZE for nothing: finished at once.
        if (await IsEmptyAsync(planner, ct))
        {
            await ExecuteAsync(planner, "COMMIT", ct);
            progress.SetPhase(name, CopyPhase.Finishing, "nothing to copy: the database holds no objects");
            return new DatabaseCopyResult(name, "copied", 0, 0, 0, stopwatch.Elapsed);
        }

        progress.SetPhase(name, CopyPhase.PreData, "dumping the schema");
        var dump = await SchemaDump.CreateAsync(tools, options.Source, name, snapshot.Id, Path.Combine(workDirectory, "schema.dump"), ct);
        progress.Step(name, "restoring the pre-data schema");
        var list = (await dump.ListAsync(options.Target, name, ct)).Split('\n');
        var early = (await ReadColumnAsync<long>(planner, "Copy/Sql/early_release_tables.sql", ct)).ToHashSet();
        var chunks = await PreDataChunks.PlanAsync(list, early, workDirectory, ct);
        var queue = new CopyWorkQueue();
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The restore is the target's work (pg_restore); the plan and the builds read the source and the dump file:
        // they are made while the restore runs. Each table's rows start as soon as the part that creates it is in.
        var restoring = FailingFast(RestorePreDataAsync(dump, chunks, queue, name, failFast.Token), failFast);
        List<TableToCopy> tables;
        IReadOnlyList<CopyTask> tasks;
        TableBuilds builds;
        try
        {
            tables = await ReadTablesAsync(planner, failFast.Token);
            var canSplit = planner.PostgreSqlVersion.Major >= 14; // TID range scans; before 14 every range would scan the whole table
            tasks = CopyPlanner.Plan(tables, options.Jobs, canSplit, options.ChunkBytes);
            builds = await TableBuilds.PrepareAsync(dump, list, options.Target, name, planner, tables, workDirectory, noOwner: !restoreOwners, analyze: true, failFast.Token);
        }
        catch
        {
            // No pg_restore outlives the copy; a failed restore is the failure to report, else this one.
            await failFast.CancelAsync();
            try
            {
                await restoring; // a restore that failed on its own throws its failure from here
            }
            catch (OperationCanceledException)
            {
                // Stopped for the plan's failure, which is the one to report.
            }
            throw;
        }
        state.TablesTotal = tables.Count;
        state.BytesTotal = tables.Sum(t => t.SizeBytes);
        state.DataStarted = DateTimeOffset.UtcNow;

        var workers = Math.Min(options.Jobs, Math.Max(1, tasks.Count));
        progress.SetPhase(name, CopyPhase.Data, $"copying {Plural.Of(tables.Count, "table")} with {Plural.Of(workers, "worker")}, building each table's indexes as soon as its rows are in");
        var context = new CopyContext(name, source, target, snapshot.Id, targetIsSuperuser, queue, tasks, builds, progress);
        queue.Plan(tasks);
        await RunWorkersAsync(context, workers, restoring, failFast, ct);

        progress.SetPhase(name, CopyPhase.Finishing, "setting sequences and copying large objects");
        await using (var targetConnection = await PgConnector.OpenAsync(target, "target", ct))
        {
            await SequenceSync.CopyAsync(planner, targetConnection, name, ct);
            await LargeObjectSync.CopyAsync(planner, targetConnection, ct);
        }
        var materializedViews = await ReadColumnAsync<string>(planner, "Copy/Sql/materialized_views.sql", ct);
        await ExecuteAsync(planner, "COMMIT", ct);
        await snapshot.DisposeAsync();

        progress.SetPhase(name, CopyPhase.PostData, "building indexes, constraints and triggers");
        await dump.RestorePostDataAsync(options.Target, name, options.Jobs, noOwner: !restoreOwners, ct, builds.RestListFile);
        await using (var targetConnection = await PgConnector.OpenAsync(target, "target", ct))
        {
            await RefreshMaterializedViewsAsync(targetConnection, name, materializedViews, ct);
            progress.Step(name, "analyzing");
            await ParallelAnalyze.RunAsync(targetConnection, target, options.Jobs, builds.Analyzed.Select(t => t.Name).ToHashSet(), ct);
        }

        return new DatabaseCopyResult(name, "copied", tables.Count, state.RowsDone, state.BytesDone, stopwatch.Elapsed);
    }

    /// <summary>
    /// The pre-data schema, part after part (<see cref="PreDataChunks"/>), each part's tables released to the copy
    /// workers as soon as it is in; the builds wait for the whole schema.
    /// </summary>
    private async Task RestorePreDataAsync(SchemaDump dump, IReadOnlyList<PreDataChunk> chunks, CopyWorkQueue queue, string name, CancellationToken ct)
    {
        foreach (var chunk in chunks)
        {
            await dump.RestorePreDataAsync(options.Target, name, noOwner: !restoreOwners, ct, chunk.ListFile);
            queue.Release(chunk.Tables);
        }
        if (chunks.Count > 1)
            progress.Step(name, "the pre-data schema is in (restored in parts while rows copied)");
        queue.ReleaseAll();
    }

    /// <summary>One failed task stops the others (the database is redone as a whole anyway).</summary>
    private static async Task FailingFast(Task task, CancellationTokenSource failFast)
    {
        try
        {
            await task;
        }
        catch
        {
            await failFast.CancelAsync();
            throw;
        }
    }

    private static async Task RunWorkersAsync(CopyContext context, int count, Task restoring, CancellationTokenSource failFast, CancellationToken ct)
    {
        var running = Enumerable.Range(0, count)
            .Select(_ => FailingFast(new CopyWorker(context).RunAsync(context.Queue, failFast.Token), failFast))
            .Prepend(restoring)
            .ToList();
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Surface the failure that cancelled the rest, not the cancellations.
            var first = running.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).FirstOrDefault();
            if (first is not null)
                throw first;
            throw;
        }
    }

    private static async Task<bool> IsEmptyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/database_is_empty.sql"), connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<TableToCopy>> ReadTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/tables.sql"), connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tables = new List<TableToCopy>();
        while (await reader.ReadAsync(ct))
        {
            tables.Add(new TableToCopy(
                reader.GetInt64(0),
                new QualifiedName(reader.GetString(1), reader.GetString(2)),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.GetFieldValue<string[]>(5),
                reader.GetBoolean(6)));
        }
        return tables;
    }

    /// <summary>
    /// pg_restore leaves materialized views empty (their data is in the data section, which PgMove replaces);
    /// refresh those the source had populated. One that depends on another not yet refreshed waits for a later pass.
    /// </summary>
    private static async Task RefreshMaterializedViewsAsync(NpgsqlConnection target, string database, IReadOnlyList<string> views, CancellationToken ct)
    {
        var pending = views.ToList();
        while (pending.Count > 0)
        {
            var failed = new List<(string View, PostgresException Error)>();
            foreach (var view in pending)
            {
                try
                {
                    // view comes from the server's own quote_ident.
                    await ExecuteAsync(target, $"REFRESH MATERIALIZED VIEW {view}", ct);
                }
                catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
                {
                    failed.Add((view, error));
                }
            }
            if (failed.Count == pending.Count)
                throw new PgMoveException("copy.refresh_failed", $"database {database}, materialized view {failed[0].View}: {failed[0].Error.MessageText}",
                    "Refresh it on the target by hand once its dependencies are populated.", failed[0].Error);
            pending = failed.Select(f => f.View).ToList();
        }
    }

    /// <summary>The first column of every row of an embedded query.</summary>
    internal static async Task<List<T>> ReadColumnAsync<T>(NpgsqlConnection connection, string query, CancellationToken ct)
    {
        var values = new List<T>();
        await using var command = new NpgsqlCommand(SqlResources.Get(query), connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
