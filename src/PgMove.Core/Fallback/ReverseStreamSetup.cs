using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.State;

namespace PgMove.Core.Fallback;

/// <summary>
/// A cutover with fallback, at its switch: creates the reverse stream (target → source) as a record of its own
/// (<see cref="FallbackPair"/>), its slots made on the target just before the pause, its databases streaming from the
/// target's position at the switch. The record is written before anything is made, so an undo (rollback, or recovery
/// after a crash) knows what to drop.
/// </summary>
internal sealed class ReverseStreamSetup(IMigrationStore store, string migrationId, MigrationOptions options, IReadOnlyList<string> databases) : IFallbackStep
{
    private readonly ILogger _logger = options.LoggerFactory.CreateLogger("PgMove.Fallback");

    public Task CheckAsync(CancellationToken ct) => FallbackPreflight.CheckAsync(options.Target, databases.Count, ct);

    /// <summary>
    /// The record, then the publication and slot per database, while the applications still write to the source and the
    /// migration's stream to the target: a slot's creation waits for the transactions running on the target, which the
    /// pause then need not wait for. Whatever the target commits before the switch came from the source: the stream
    /// starts past it (<see cref="BeforeResumeAsync"/>).
    /// </summary>
    public async Task<bool> BeforePauseAsync(CancellationToken ct)
    {
        try
        {
            await CreateAsync(ct);
        }
        catch (Exception error) when (error is NpgsqlException or IOException)
        {
            // A refusal of this cutover (the switch undoes what was made), not a failure of the migration, which syncs on.
            throw new PgMoveException("fallback.setup_failed",
                $"The fallback's slots and publication could not be made on the target: {ErrorText.Of(error)}. Nothing was switched.",
                "Check the target (free replication slots, the connection), then run the cutover again; or cut over without --fallback.", error);
        }
        return true;
    }

    /// <summary>
    /// Both servers identical (the applications held, the source frozen, the target level): each stream starts at the
    /// target's current WAL position. The server skips every transaction committed before the position a stream is
    /// started at (logical decoding's start point, past the slot's confirmed position), so the target's writes made by
    /// the migration's stream between the slot's creation and now are not sent back; the applications' first write
    /// after the resume is.
    /// </summary>
    public async Task BeforeResumeAsync(CancellationToken ct)
    {
        var forward = store.Get(migrationId) ?? throw new InvalidOperationException($"Migration {migrationId} is gone from the store.");
        var reverse = FallbackPair.ReverseOf(store, forward) is { Status: MigrationStatus.Running } made ? made : await CreateAsync(ct);
        var started = new List<DatabaseRecord>();
        foreach (var database in reverse.Databases)
        {
            var lsn = await StreamStart.LevelAsync(options.Target, "target", database.Name, ct);
            await StreamStart.RecordAppliedAsync(options.Source, "source", database.Name, database.Slot!, lsn, ct);
            // While the applications are still held: the first DDL they make on the new server is already captured.
            await StreamCapture.InstallAsync(options.Target, "target", database.Name, reverse.Id, reverse.CaptureDdl, _logger, ct);
            _logger.FallbackStreamCreated(migrationId, database.Name, database.Slot!, lsn.ToString());
            started.Add(database with { AppliedLsn = lsn.ToString() });
        }
        store.Update(reverse with { Status = MigrationStatus.Syncing, Databases = started });
    }

    /// <summary>The stream's record (written first, so that an undo knows what to drop), then its publication and slot per database.</summary>
    private async Task<MigrationRecord> CreateAsync(CancellationToken ct)
    {
        var forward = store.Get(migrationId) ?? throw new InvalidOperationException($"Migration {migrationId} is gone from the store.");
        IReadOnlyList<DatabaseInfo> onTarget;
        IReadOnlyDictionary<string, long> oids;
        await using (var target = await PgConnector.OpenAsync(options.Target, "target", ct))
        {
            onTarget = DatabaseSelection.Select(await CatalogReader.ReadDatabasesAsync(target, ct), []);
            oids = await CatalogReader.ReadDatabaseOidsAsync(target, ct);
        }
        var id = Guid.NewGuid().ToString();
        var now = options.Clock.GetUtcNow();
        var reverse = new MigrationRecord
        {
            Id = id,
            Method = MigrationMethod.Fallback,
            Status = MigrationStatus.Running,
            CreatedAt = now,
            UpdatedAt = now,
            Source = forward.Target,
            Target = forward.Source,
            // The reverse stream reads exactly the migrated databases: any other database of the target is not its business.
            IgnoreDatabases = onTarget.Select(d => d.Name).Where(n => !databases.Contains(n, StringComparer.Ordinal)).ToList(),
            Databases = databases.Select(name => new DatabaseRecord
            {
                Name = name, CopyDone = true, Slot = ReplicationNames.Slot(id, oids[name]), Publication = ReplicationNames.Publication(id),
            }).ToList(),
            Result = $"the fallback of migration {migrationId}: the source follows the target",
            // DDL on the new server is carried back as the migration carried it forward, or not at all (--no-ddl-capture).
            CaptureDdl = forward.CaptureDdl,
            // The limits the migration was started with (--fallback-days, --max-retained-wal-gb), whoever runs the stream later.
            Limits = forward.Limits with { AgeCountsFrom = null },
        };
        store.Create(reverse, options.Target, options.Source);
        foreach (var database in reverse.Databases)
            await StreamStart.CreateAsync(options.Target, "target", database.Name, database.Slot!, database.Publication!, ct);
        return reverse;
    }

    public async Task<string> UndoAsync(CancellationToken ct)
    {
        if (store.Get(migrationId) is not { } forward || FallbackPair.ReverseOf(store, forward) is not { IsActive: true } reverse)
            return "";
        var failures = new List<string>();
        foreach (var database in reverse.Databases)
        {
            try
            {
                // The capture first, as a stop does: nothing is sent for what follows.
                await StreamCapture.RemoveAsync(options.Target, "target", database.Name, reverse.Id, _logger, ct);
                await StreamStart.DropAsync(options.Target, "target", database.Name, database.Slot!, database.Publication!, ct);
                await StreamStart.ForgetAppliedAsync(options.Source, "source", database.Name, database.Slot!, ct);
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException)
            {
                failures.Add($"DDL capture, slot {database.Slot} and publication {database.Publication} in database {database.Name} on the target ({error.Message})");
            }
        }
        _logger.FallbackStreamDropped(migrationId, reverse.Id);
        if (failures.Count == 0)
        {
            store.Update(reverse with { Status = MigrationStatus.Canceled, Result = "not set up: the switch was rolled back", Databases = reverse.Databases.Select(d => d with { Phase = DatabasePhase.Stopped }).ToList() });
            return "";
        }
        var note = $"The fallback's {string.Join("; ", failures)} may remain.";
        store.Update(reverse with { Status = MigrationStatus.Error, Error = $"the switch was rolled back; {note}", Fix = "Run pgmove finish once the target is reachable: it drops them." });
        return " " + note;
    }
}
