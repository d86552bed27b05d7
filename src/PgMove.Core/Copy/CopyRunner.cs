using System.Diagnostics;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Core.Schema;
using PgMove.Core.State;

namespace PgMove.Core.Copy;

/// <summary>
/// <c>pgmove copy</c>: preflight, roles, then every database in turn. Re-running it is safe: databases
/// already copied are skipped, and one that an earlier run left unfinished is dropped and copied again.
/// </summary>
public static class CopyRunner
{
    public static async Task<CopyResult> RunAsync(CopyOptions options, CopyProgress progress, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        using var journal = CopyJournal.Open(options.StatePath ?? StatePaths.Default());
        progress.RunStep("reading the servers");

        ServerFacts sourceFacts, targetFacts;
        string sourceId, targetId;
        IReadOnlyList<DatabaseInfo> databases;
        HashSet<string> onTarget;
        await using (var source = await PgConnector.OpenAsync(options.Source, "source", ct))
        await using (var target = await PgConnector.OpenAsync(options.Target, "target", ct))
        {
            // One round trip per server; the preflight's connections then come from the same pools.
            var sourceBatch = new CatalogBatch(source);
            var readSourceFacts = CatalogReader.AddServer(sourceBatch);
            var readSourceId = ServerIdentity.Add(sourceBatch, options.Source);
            var readSourceDatabases = CatalogReader.AddDatabases(sourceBatch);
            var targetBatch = new CatalogBatch(target);
            var readTargetFacts = CatalogReader.AddServer(targetBatch);
            var readTargetId = ServerIdentity.Add(targetBatch, options.Target);
            var readTargetDatabases = CatalogReader.AddDatabases(targetBatch);
            await Task.WhenAll(sourceBatch.ExecuteAsync(ct), targetBatch.ExecuteAsync(ct));
            (sourceFacts, targetFacts) = (readSourceFacts(), readTargetFacts());
            (sourceId, targetId) = (readSourceId(), readTargetId());
            databases = DatabaseSelection.Select(readSourceDatabases(), options.IgnoreDatabases);
            onTarget = readTargetDatabases().Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        }

        var unfinished = databases.Where(d => journal.StatusOf(sourceId, targetId, d.Name) == "copying").Select(d => d.Name).ToList();
        var alreadyDone = databases.Where(d => journal.StatusOf(sourceId, targetId, d.Name) == "done").Select(d => d.Name).ToHashSet(StringComparer.Ordinal);

        progress.RunStep("running the preflight checks");
        var report = await PreflightRunner.RunAsync(new PreflightOptions
        {
            Source = options.Source,
            Target = options.Target,
            Method = MigrationMethod.Dump,
            IgnoreDatabases = options.IgnoreDatabases,
            PgBinDirectory = options.PgBinDirectory,
            ResumableDatabases = [.. unfinished, .. alreadyDone],
        }, ct);
        if (report.HasFailures)
            throw new PreflightFailedException(report);
        foreach (var warning in report.Results.Where(r => r.Status == CheckStatus.Warn))
            progress.Publish(new CopyEvent("warning", null, $"{warning.Id}: {warning.Message}"));

        var tools = (await PgToolLocator.FindAllAsync(options.PgBinDirectory, ct))[0];
        RoleCopyResult? roles = null;
        if (options.IncludeRoles)
        {
            progress.RunStep("copying the roles");
            roles = await RoleCopier.CopyAsync(tools, options.Source, sourceFacts.IsSuperuser, options.Target, ct);
            foreach (var failure in roles.Failures)
                progress.Publish(new CopyEvent("warning", null, $"roles: {failure}"));
        }

        foreach (var database in databases)
            progress.For(database.Name);

        var copier = new DatabaseCopier(options, tools, targetFacts.IsSuperuser, restoreOwners: options.IncludeRoles, progress);
        var results = new List<DatabaseCopyResult>();
        foreach (var database in databases)
        {
            ct.ThrowIfCancellationRequested();
            if (alreadyDone.Contains(database.Name) && onTarget.Contains(database.Name))
            {
                progress.SetPhase(database.Name, CopyPhase.Skipped, "already copied by an earlier run (drop it on the target to copy it again)");
                results.Add(new DatabaseCopyResult(database.Name, "already copied", 0, 0, 0, TimeSpan.Zero));
                continue;
            }
            progress.SetPhase(database.Name, CopyPhase.Creating, "creating the database on the target");
            if (onTarget.Contains(database.Name) && (unfinished.Contains(database.Name) || alreadyDone.Contains(database.Name)))
            {
                progress.Publish(new CopyEvent("redo", database.Name, "an earlier copy did not finish: the database is dropped on the target and copied again"));
                await TargetDatabases.DropAsync(options.Target, database.Name, targetFacts.Major, ct);
                onTarget.Remove(database.Name);
            }
            if (!onTarget.Contains(database.Name))
                await TargetDatabases.CreateAsync(options.Target, database, ct);
            await DatabaseProperties.CopyAsync(options.Source, options.Target, database.Name, ct);

            journal.Mark(sourceId, targetId, database.Name, "copying");
            var workDirectory = Directory.CreateTempSubdirectory("pgmove-").FullName;
            try
            {
                results.Add(await copier.CopyAsync(database, workDirectory, ct));
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                progress.For(database.Name).Error = error.Message;
                progress.SetPhase(database.Name, CopyPhase.Failed, error.Message);
                throw;
            }
            finally
            {
                Directory.Delete(workDirectory, recursive: true);
            }
            journal.Mark(sourceId, targetId, database.Name, "done");
            progress.SetPhase(database.Name, CopyPhase.Done, "copied");
        }
        return new CopyResult(roles, results, stopwatch.Elapsed);
    }
}
