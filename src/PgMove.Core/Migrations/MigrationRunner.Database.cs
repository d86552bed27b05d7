using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Copy;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Replication;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Migrations;

public sealed partial class MigrationRunner
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Copies a database inside its slot's snapshot (unless done before), then streams it; retries lost connections with backoff.</summary>
    private async Task RunDatabaseAsync(DatabaseRun run, SemaphoreSlim gate, CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!run.CopyDone)
                    await CopyThenStreamAsync(run, gate, ct);
                else
                    await StreamAsync(run, null, null, ct);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (IsTransient(error))
            {
                if (run.Phase != DatabasePhase.Reconnecting)
                {
                    // The last attempt did connect (it copied or streamed): a new outage starts again from 1 s,
                    // instead of every later blip of a long migration waiting the full 30 s.
                    backoff = TimeSpan.FromSeconds(1);
                    attempt = 0;
                }
                run.Phase = DatabasePhase.Reconnecting;
                run.LagBytes = null; // unknown while disconnected: never show a stale 0
                run.LagSeconds = null;
                run.LastError = $"connection lost ({ErrorText.Of(error)}); retrying in {backoff.TotalSeconds:N0} s";
                _logger.Retrying(run.Name, ErrorText.Of(error), ++attempt, backoff.TotalSeconds);
                // After a server restart every pooled session is dead: start from fresh ones.
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (PgMoveException error)
            {
                run.LastError = $"{error.Message} Fix: {error.Fix}";
                run.Phase = DatabasePhase.Failed;
                _logger.DatabaseFailed(run.Name, run.LastError);
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // A bug of ours, or something unforeseen: say what and where rather than vanish.
                run.LastError = $"unexpected {error.GetType().Name}: {error.Message} (in {ThrowingMethod(error)})";
                run.Phase = DatabasePhase.Failed;
                _logger.DatabaseFailed(run.Name, run.LastError);
                return;
            }
        }
    }

    private async Task CopyThenStreamAsync(DatabaseRun run, SemaphoreSlim gate, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        LogicalReplicationConnection? replication = null;
        try
        {
            run.Phase = DatabasePhase.Copying;
            var source = _options.Source.WithDatabase(run.Name);
            await using (var connection = await PgConnector.OpenAsync(source, "source", ct))
            {
                await ExecuteAsync(connection,
                    $"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {Identifiers.Literal(run.Publication)}) THEN " +
                    $"CREATE PUBLICATION {Identifiers.Quote(run.Publication)} FOR ALL TABLES; END IF; END $$", ct);
                _logger.PublicationCreated(run.Name, run.Publication);
                await DropSlotAsync(connection, run.Slot, ct);
                // A copy made again: the new snapshot must not hold the capture of the earlier attempt (pg_dump would carry it over).
                await DdlCapture.RemoveAsync(connection, Id, ct);
            }

            replication = await OpenReplicationAsync(source, ct);
            PgOutputReplicationSlot slot;
            await using (new SnapshotWait(source, note => run.LastError = note))
                slot = await replication.CreatePgOutputReplicationSlot(run.Slot, temporarySlot: false, LogicalSlotSnapshotInitMode.Export, twoPhase: false, ct);
            _logger.SlotCreated(run.Name, run.Slot, slot.ConsistentPoint.ToString());
            await InstallDdlCaptureAsync(run, source, ct);
            _logger.CopyStarted(run.Name, slot.SnapshotName ?? "");

            await PrepareTargetDatabaseAsync(run, ct);
            var copier = new DatabaseCopier(
                new CopyOptions { Source = _options.Source, Target = _options.Target, Jobs = _options.Jobs, PgBinDirectory = _options.PgBinDirectory, SnapshotSource = new FixedSnapshotSource(slot.SnapshotName!) },
                _tools!, _targetIsSuperuser, restoreOwners: true, _copyProgress);
            var workDirectory = Directory.CreateTempSubdirectory("pgmove-").FullName;
            try
            {
                await copier.CopyAsync(_databaseInfos[run.Name], workDirectory, ct);
            }
            finally
            {
                Directory.Delete(workDirectory, recursive: true);
            }

            // The copy holds every change up to the slot's consistent point: streaming starts there.
            await using (var target = await PgConnector.OpenAsync(_options.Target.WithDatabase(run.Name), "target", ct))
            {
                await AppliedPosition.EnsureAsync(target, ct);
                await using var batch = new NpgsqlBatch(target) { BatchCommands = { AppliedPosition.Write(run.Slot, slot.ConsistentPoint) } };
                await batch.ExecuteNonQueryAsync(ct);
            }
            run.CopyDone = true;
            _logger.CopyDone(run.Name, slot.ConsistentPoint.ToString());
            Save();
            gate.Release();
            gate = null!;
            await StreamAsync(run, replication, slot, ct);
        }
        finally
        {
            gate?.Release();
            if (replication is not null)
                await replication.DisposeAsync();
        }
    }

    /// <summary>
    /// Installs the DDL capture right after the slot: its snapshot, which the copy uses, does not hold it (so
    /// pg_dump does not carry it to the target), and DDL from here on reaches the stream. A DDL in the moment
    /// between the two is not carried: a table whose shape it changed stops the database with the statement to
    /// run, as without capture. Without the privilege (event triggers need a superuser), streaming goes on without it.
    /// </summary>
    private async Task InstallDdlCaptureAsync(DatabaseRun run, ConnectionSpec source, CancellationToken ct)
    {
        if (!_options.CaptureDdl)
            return;
        await using var connection = await PgConnector.OpenAsync(source, "source", ct);
        if (connection.PostgreSqlVersion.Major < DdlCapture.MinimumMajor)
        {
            _logger.DdlCaptureUnavailable(run.Name, $"the source runs PostgreSQL {connection.PostgreSqlVersion.Major}; logical decoding messages need {DdlCapture.MinimumMajor} or later");
            return;
        }
        try
        {
            await DdlCapture.InstallAsync(connection, Id, ct);
            _logger.DdlCaptureInstalled(run.Name, $"{ReplicationNames.DdlCapture(Id)}_end, _start, _drop");
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            _logger.DdlCaptureUnavailable(run.Name, $"{error.MessageText}: event triggers need a superuser on the source");
            _copyProgress.Publish(new CopyEvent("warning", run.Name, $"DDL on the source will not be carried: {error.MessageText} (event triggers need a superuser)"));
        }
    }

    /// <summary>
    /// The target database must be empty when the copy starts: preflight checked that at the start, so
    /// tables found now were left by an interrupted copy of ours, and the database is made again.
    /// </summary>
    private async Task PrepareTargetDatabaseAsync(DatabaseRun run, CancellationToken ct)
    {
        var info = _databaseInfos[run.Name];
        if (await TargetDatabases.ExistsAsync(_options.Target, run.Name, ct))
        {
            await using var database = await PgConnector.OpenAsync(_options.Target.WithDatabase(run.Name), "target", ct);
            if (await CatalogReader.CountUserTablesAsync(database, ct) == 0)
            {
                await DatabaseProperties.CopyAsync(_options.Source, _options.Target, run.Name, ct);
                return;
            }
            await database.CloseAsync();
            await TargetDatabases.DropAsync(_options.Target, run.Name, _targetMajor, ct);
        }
        await TargetDatabases.CreateAsync(_options.Target, info, ct);
        await DatabaseProperties.CopyAsync(_options.Source, _options.Target, run.Name, ct);
    }

    private async Task StreamAsync(DatabaseRun run, LogicalReplicationConnection? replication, PgOutputReplicationSlot? slot, CancellationToken ct)
    {
        var owned = replication is null;
        // A resumed stream opens its replication connection while the target side gets ready.
        var opening = replication is null ? OpenReplicationAsync(_options.Source.WithDatabase(run.Name), ct) : Task.FromResult(replication);
        slot ??= new PgOutputReplicationSlot(run.Slot);
        try
        {
            // The apply repeats a few statement shapes thousands of times: let Npgsql prepare them.
            // A fallback stream writes into the old server, frozen on purpose for everyone else: this session overrides it.
            await using var target = await PgConnector.OpenAsync(_options.Target.WithDatabase(run.Name), "target", ct,
                tune: b => { b.MaxAutoPrepare = 256; b.AutoPrepareMinUsages = 2; WritableSession.Tune(b); });
            if (_targetIsSuperuser)
                await ExecuteAsync(target, "SET session_replication_role = replica", ct); // target triggers and FKs must not fire twice
            var applied = await AppliedPosition.ReadAsync(target, run.Slot, ct)
                ?? throw new PgMoveException("replication.position_missing",
                    $"database {run.Name}: the target has no record of the applied position ({ReplicationNames.BookkeepingSchema}.applied was removed).",
                    "Stop this migration (pgmove stop) and start a new one.");
            replication = await opening;
            run.Phase = DatabasePhase.Streaming;
            run.LastError = null;
            await using var applier = new ChangeApplier(target, run.Name, run.Slot, applied, run.Statistics, _logger, _options.Source.WithDatabase(run.Name));
            await new DatabaseStreamer(replication, applier, run.Statistics).RunAsync(slot, run.Publication, applied, ct);
        }
        finally
        {
            if (owned)
                await DisposeWhenOpenedAsync(opening);
        }
    }

    /// <summary>Closes a connection opened in the background, once it is open (if it failed, its error was reported already, or the target's was).</summary>
    private static async Task DisposeWhenOpenedAsync(Task<LogicalReplicationConnection> opening)
    {
        LogicalReplicationConnection opened;
        try
        {
            opened = await opening;
        }
        catch (Exception)
        {
            return;
        }
        await opened.DisposeAsync();
    }

    private static async Task<LogicalReplicationConnection> OpenReplicationAsync(ConnectionSpec source, CancellationToken ct)
    {
        var replication = new LogicalReplicationConnection(source.ToNpgsqlConnectionString(pooling: false))
        {
            WalReceiverStatusInterval = TimeSpan.FromSeconds(1),
        };
        try
        {
            await replication.Open(ct);
            return replication;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            await replication.DisposeAsync();
            throw ConnectionFailures.Classify(error, source, "source");
        }
    }

    internal static async Task DropSlotAsync(NpgsqlConnection source, string slot, CancellationToken ct)
    {
        await using var terminate = new NpgsqlCommand(
            "SELECT pg_catalog.pg_terminate_backend(active_pid) FROM pg_catalog.pg_replication_slots WHERE slot_name = @slot AND active_pid IS NOT NULL", source);
        terminate.Parameters.AddWithValue("slot", slot);
        await terminate.ExecuteNonQueryAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var drop = new NpgsqlCommand(
                    "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = @slot", source);
                drop.Parameters.AddWithValue("slot", slot);
                await drop.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                await Task.Delay(200, ct); // The walsender we terminated is still exiting.
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Lost connections and restarting servers are retried; anything else is a real failure.</summary>
    private static bool IsTransient(Exception error) => error switch
    {
        // database_missing: preflight saw it, so it is being dropped and made again by a sibling worker redoing its copy.
        PgMoveException pg => pg.Code is "connection.refused" or "connection.timeout" or "connection.server_busy" or "connection.unreachable" or "connection.failed" or "connection.database_missing"
                                  or "tools.connection_lost"
                              || (pg.InnerException is { } inner && IsTransient(inner)),
        // 55006: the slot is still held by the walsender of a stream that just went away (a restarted service or
        // pgmove, a dropped connection): it exits by itself, so this is worth a retry.
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                || pg.SqlState == PostgresErrorCodes.ObjectInUse,
        NpgsqlException or IOException or SocketException or TimeoutException => true,
        // A connection broken under Npgsql sometimes surfaces from its own code as one of these (seen in fault
        // runs: a NullReferenceException mid-stream during a network fault): a lost connection, not a bug of ours.
        NullReferenceException or ObjectDisposedException or InvalidOperationException => ThrownByNpgsql(error),
        _ => false,
    };

    private static bool ThrownByNpgsql(Exception error) => ThrowingMethod(error).StartsWith("Npgsql.", StringComparison.Ordinal);

    /// <summary>
    /// The method that threw, from the first line of the stack trace ("Npgsql.Internal.NpgsqlConnector.ReadMessage");
    /// not <see cref="Exception.TargetSite"/>, which needs reflection metadata a native build does not keep.
    /// </summary>
    private static string ThrowingMethod(Exception error)
    {
        var frame = error.StackTrace?.Split('\n', 2)[0].Trim() ?? "";
        if (frame.StartsWith("at ", StringComparison.Ordinal))
            frame = frame[3..];
        var arguments = frame.IndexOf('(', StringComparison.Ordinal);
        return arguments < 0 ? frame : frame[..arguments];
    }
}
