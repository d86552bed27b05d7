using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.Replication;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Subscription;

internal sealed partial class SubscriptionRunner
{
    private async Task<MigrationRecord> FinishAsync(RunOutcome outcome, CancellationToken ct)
    {
        switch (outcome.Kind)
        {
            case RunOutcome.Kinds.Stop:
                string notes;
                await using (new RunnerHeartbeat(Save))
                    notes = await CleanupAsync(ct);
                foreach (var run in _runs)
                    run.Phase = DatabasePhase.Stopped;
                _record = _record with
                {
                    Status = MigrationStatus.Canceled, Error = null, Fix = null,
                    Result = $"{outcome.Reason}; all data copied so far is kept on the target.{notes}",
                };
                SaveFinal();
                _store.SetRequest(Id, null);
                return Snapshot;
            default:
                return await FailAsync(outcome.Reason,
                    "Fix the cause named above, then run pgmove start again to resume; or pgmove stop to end the migration and drop its subscriptions, slots and publications.");
        }
    }

    private async Task<MigrationRecord> FailAsync(string error, string fix)
    {
        _record = _record with { Status = MigrationStatus.Error, Error = Redact(error), Fix = fix };
        // Before any initial sync finished there is nothing worth keeping: drop what was made so that nothing
        // retains WAL on the source. Afterwards everything stays so that pgmove start can resume once fixed.
        if (_runs.All(r => !r.CopyDone))
        {
            try
            {
                var notes = await CleanupAsync(CancellationToken.None);
                _record = _record with { Fix = fix + notes };
            }
            catch (Exception cleanup) when (cleanup is PgMoveException or NpgsqlException)
            {
                _record = _record with { Fix = $"{fix} Cleanup failed too ({Redact(cleanup.Message)}): run pgmove stop." };
            }
        }
        SaveFinal();
        return Snapshot;
    }

    /// <summary>
    /// Target first (disable, detach the slot, drop the subscription — none of it needs the source), then the slots
    /// and publications on the source. Returns a note naming what could not be removed, or "".
    /// </summary>
    private async Task<string> CleanupAsync(CancellationToken ct)
    {
        var notes = new List<string>();
        foreach (var run in _runs)
        {
            var note = await CleanupTargetAsync(run, ct);
            if (note is not null)
                notes.Add(note);
        }
        var leftOnSource = new List<string>();
        foreach (var run in _runs)
        {
            var left = await CleanupSourceAsync(run, ct);
            if (left is not null)
                leftOnSource.Add(left);
        }
        if (leftOnSource.Count > 0)
            notes.Add("WARNING: the source could not be reached, so these remain on it and retain WAL until dropped: " + string.Join(" ", leftOnSource));
        return notes.Count == 0 ? "" : " " + string.Join(" ", notes);
    }

    private async Task<string?> CleanupTargetAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        NpgsqlConnection target;
        try
        {
            target = await OpenTargetAsync(run.Name, ct);
        }
        catch (PgMoveException error) when (error.Code == "connection.database_missing")
        {
            return null; // never created
        }
        await using (target)
        {
            if (await _subscriptions.ExistsAsync(target, run.Subscription, ct))
            {
                await using (var oid = new NpgsqlCommand(
                    "SELECT oid::bigint FROM pg_catalog.pg_subscription WHERE subname = @name AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())", target))
                {
                    oid.Parameters.AddWithValue("name", run.Subscription);
                    run.SubscriptionOid = await oid.ExecuteScalarAsync(ct) as long?;
                }
                if (_subscriptions.DropNeedsSource)
                {
                    // aiven_extras drops the slot through the source: its walsender must be gone first.
                    await _subscriptions.DisableAsync(target, run.Subscription, ct);
                    try
                    {
                        await using var source = await OpenSourceAsync(run.Name, ct);
                        await Migrations.MigrationRunner.DropSlotAsync(source, run.Slot, ct);
                        await _subscriptions.DropAsync(target, run.Subscription, ct);
                    }
                    catch (Exception error) when (error is PgMoveException or NpgsqlException)
                    {
                        return $"WARNING: database {run.Name}: subscription {run.Subscription} stays on the target, disabled: aiven_extras.pg_drop_subscription, which also drops the slot on the source, failed ({Redact(ErrorText.Of(error))}). " +
                               $"When the source is back, run SELECT aiven_extras.pg_drop_subscription({Identifiers.Literal(run.Subscription)}); in database {run.Name} on the target.";
                    }
                }
                else
                {
                    await _subscriptions.DropAsync(target, run.Subscription, ct);
                }
            }
            await DropOwnExtensionAsync(target, ct);
            await TargetDdlMarks.DropAsync(target, ct);
        }
        return null;
    }

    /// <summary>Drops aiven_extras where PgMove installed it (marked by its comment); one the source had stays.</summary>
    private static async Task DropOwnExtensionAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = @name AND pg_catalog.obj_description(e.oid, 'pg_extension') = @mark)", target);
        command.Parameters.AddWithValue("name", AivenExtrasSubscriptions.Extension);
        command.Parameters.AddWithValue("mark", ExtensionMark);
        if (!(bool)(await command.ExecuteScalarAsync(ct))!)
            return;
        await ExecuteAsync(target, $"DROP EXTENSION {Identifiers.Quote(AivenExtrasSubscriptions.Extension)}", ct);
        try
        {
            // CREATE EXTENSION made the schema named in its control file, outside the extension: it stays unless dropped.
            await ExecuteAsync(target, $"DROP SCHEMA IF EXISTS {Identifiers.Quote(AivenExtrasSubscriptions.Extension)} RESTRICT", ct);
        }
        catch (PostgresException error) when (error.SqlState is PostgresErrorCodes.DependentObjectsStillExist or PostgresErrorCodes.InsufficientPrivilege)
        {
            // Someone else's objects live there too (or it is not ours to drop): leave it.
        }
    }

    /// <summary>The slot, table-sync slots of a subscription dropped mid-sync, and the publication; null when all are gone.</summary>
    private async Task<string?> CleanupSourceAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        var syncSlots = run.SubscriptionOid is { } oid ? $"pg_{oid}_sync_" : null;
        try
        {
            await using var source = await OpenSourceAsync(run.Name, ct, writable: true);
            // The DDL capture first: nothing is logged once no one will read it.
            await DdlCapture.RemoveAsync(source, Id, ct);
            await Migrations.MigrationRunner.DropSlotAsync(source, run.Slot, ct);
            if (syncSlots is not null)
            {
                var names = new List<string>();
                await using (var list = new NpgsqlCommand("SELECT slot_name::text FROM pg_catalog.pg_replication_slots WHERE pg_catalog.starts_with(slot_name::text, @prefix)", source))
                {
                    list.Parameters.AddWithValue("prefix", syncSlots);
                    await using var reader = await list.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                        names.Add(reader.GetString(0));
                }
                foreach (var name in names)
                    await Migrations.MigrationRunner.DropSlotAsync(source, name, ct);
            }
            await ExecuteAsync(source, $"DROP PUBLICATION IF EXISTS {Identifiers.Quote(run.Publication)}", ct);
            return null;
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            var sync = syncSlots is null ? "" : $" SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name LIKE '{syncSlots}%';";
            return $"in database {run.Name}: slot {run.Slot}, publication {run.Publication} and the DDL capture — drop them with " +
                   $"SELECT pg_catalog.pg_drop_replication_slot({Identifiers.Literal(run.Slot)}); DROP PUBLICATION IF EXISTS {Identifiers.Quote(run.Publication)};{sync} " +
                   $"DROP SCHEMA IF EXISTS {Identifiers.Quote(ReplicationNames.BookkeepingSchema)} CASCADE; (its function takes the event triggers with it)";
        }
    }
}
