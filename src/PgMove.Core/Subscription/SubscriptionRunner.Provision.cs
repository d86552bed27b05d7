using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Copy;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight.Checks;
using PgMove.Core.Replication.Ddl;
using PgMove.Core.Schema;

namespace PgMove.Core.Subscription;

internal sealed partial class SubscriptionRunner
{
    private const string ExtensionMark = "pgmove: created for the subscription method";

    /// <summary>
    /// One database: target database, pre-data schema and the keys the apply needs, publication and slot on the
    /// source, the subscription; then, once every table is synchronised, the rest of post-data.
    /// </summary>
    private async Task ProvisionAsync(SubscriptionDatabase run, SemaphoreSlim gate, CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await ProvisionOnceAsync(run, gate, ct);
                return;
            }
            catch (Exception error) when (IsTransient(error) && !ct.IsCancellationRequested)
            {
                // Every step is redone from what the servers hold: an existing subscription is kept, a half-made database is made again.
                run.Phase = DatabasePhase.Reconnecting;
                run.LastError = Redact($"connection lost ({ErrorText.Of(error)}); retrying in {backoff.TotalSeconds:N0} s");
                NpgsqlConnection.ClearAllPools();
                try
                {
                    await Task.Delay(backoff, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Lost connections and restarting servers are retried; anything else is a real failure.</summary>
    private static bool IsTransient(Exception error) => error switch
    {
        PgMoveException pg => pg.Code is "connection.refused" or "connection.timeout" or "connection.server_busy" or "connection.unreachable" or "connection.failed"
                              || (pg.InnerException is { } inner && IsTransient(inner)),
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };

    private async Task ProvisionOnceAsync(SubscriptionDatabase run, SemaphoreSlim gate, CancellationToken ct)
    {
        var workDirectory = Directory.CreateTempSubdirectory("pgmove-sub-").FullName;
        try
        {
            run.Subscribed = await SubscriptionExistsAsync(run, ct);
            if (!run.Subscribed && run.CopyDone)
            {
                // Subscribing again would drop and copy the target database, which holds the migrated data.
                throw new PgMoveException("subscription.gone_after_copy",
                    $"database {run.Name}: subscription {run.Subscription} is no longer on the target although its initial copy was finished; PgMove will not copy the database again (that would drop the target database and its data).",
                    "If a cutover was interrupted, run pgmove cutover to finish it; otherwise run pgmove stop (the data stays on the target) and start a new migration into an empty target.");
            }
            if (!run.Subscribed)
            {
                await gate.WaitAsync(ct);
                try
                {
                    await SubscribeAsync(run, workDirectory, ct);
                }
                finally
                {
                    gate.Release();
                }
            }
            else
            {
                await RenewCaptureAsync(run, ct);
                var (applied, _, note) = _options.ApplyDdl ? await ApplyPendingDdlAsync(run, ct) : (0, 0, "");
                if (_options.ApplyDdl && applied == 0)
                    _logger.DdlNothingPending(run.Name, note);
                // Resumed: re-enable a subscription that an apply error (or --apply-ddl) made PgMove disable (a no-op when enabled).
                await using (var target = await OpenTargetAsync(run.Name, ct))
                    await _subscriptions.EnableAsync(target, run.Subscription, ct);
                // Tables the DDL created join the subscription with their rows now, not at the next check.
                if (applied > 0 && run.CopyDone)
                    await AddNewTablesOrWaitAsync(run, ct);
            }
            run.LastError = null;

            if (!run.CopyDone)
            {
                run.Phase = DatabasePhase.Copying;
                await WaitForInitialSyncAsync(run, ct);
                await FinishSchemaAsync(run, workDirectory, ct);
                run.CopyDone = true;
            }
            run.Phase = DatabasePhase.Streaming;
            Save();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception error) when (IsTransient(error) && !ct.IsCancellationRequested)
        {
            throw; // ProvisionAsync retries
        }
        catch (PgMoveException error)
        {
            run.Phase = DatabasePhase.Failed;
            run.LastError = Redact($"{error.Message} Fix: {error.Fix}");
        }
        catch (PostgresException error)
        {
            run.Phase = DatabasePhase.Failed;
            run.LastError = Redact($"{error.MessageText} ({error.SqlState}){(error.Detail is null ? "" : $": {error.Detail}")}");
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            run.Phase = DatabasePhase.Failed;
            run.LastError = Redact($"unexpected {error.GetType().Name}: {error.Message}");
        }
        finally
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    private async Task<bool> SubscriptionExistsAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        try
        {
            await using var target = await OpenTargetAsync(run.Name, ct);
            return await _subscriptions.ExistsAsync(target, run.Subscription, ct);
        }
        catch (PgMoveException error) when (error.Code == "connection.database_missing")
        {
            return false;
        }
    }

    private async Task SubscribeAsync(SubscriptionDatabase run, string workDirectory, CancellationToken ct)
    {
        run.Phase = DatabasePhase.Copying;
        // A capture left by an interrupted attempt must not reach the schema dump (pg_dump would carry it over).
        await using (var source = await OpenSourceAsync(run.Name, ct))
            await DdlCapture.RemoveAsync(source, Id, ct);
        await PrepareTargetDatabaseAsync(run, ct);
        var dump = await SchemaDump.CreateAsync(_tools!, _options.Source, run.Name, snapshot: null, Path.Combine(workDirectory, "schema.dump"), ct);
        await dump.RestorePreDataAsync(_options.Target, run.Name, noOwner: !_targetFacts!.IsSuperuser, ct);
        await using (var source = await OpenSourceAsync(run.Name, ct))
        {
            var (keys, _) = await PostDataSplit.WriteListsAsync(_tools!, dump, source, workDirectory, ct);
            await PostDataSplit.RestoreAsync(_tools!, dump, keys, _options.Target, run.Name, jobs: 1, noOwner: !_targetFacts.IsSuperuser, "the primary keys and replica identities", ct);

            await ExecuteAsync(source,
                $"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {Identifiers.Literal(run.Publication)}) THEN " +
                $"CREATE PUBLICATION {Identifiers.Quote(run.Publication)} FOR ALL TABLES; END IF; END $$", ct);
            // A slot left by an interrupted attempt holds a position from before this copy: start afresh.
            await MigrationRunner.DropSlotAsync(source, run.Slot, ct);
            await using var slot = new NpgsqlCommand("SELECT pg_catalog.pg_create_logical_replication_slot(@slot, 'pgoutput')", source);
            slot.Parameters.AddWithValue("slot", run.Slot);
            await slot.ExecuteNonQueryAsync(ct);
            // After the dump, so that it does not hold the capture; from the slot on, DDL is logged.
            await InstallCaptureAsync(run, source, ct);
        }

        await using var target = await OpenTargetAsync(run.Name, ct);
        if (_subscriptions is AivenExtrasSubscriptions)
            await EnsureExtensionAsync(target, ct);
        try
        {
            await _subscriptions.CreateAsync(target, run.Subscription, SubscriptionConninfo.For(_options.Source, run.Name), run.Publication, run.Slot,
                SubscriptionFeatures.For(_sourceFacts!.Major, _targetFacts.Major), ct);
        }
        catch (PostgresException error)
        {
            throw new PgMoveException("subscription.create_failed",
                $"database {run.Name}: the target could not create the subscription ({Redact(error.MessageText)}).",
                "Make sure the target server can connect to the source with the connection details given (pgmove check --method subscription tests it), then run pgmove start again.", error);
        }
        run.Subscribed = true;
        Save();
    }

    /// <summary>aiven_extras lives per database: PgMove installs it where it is missing, marked so that cleanup removes only its own.</summary>
    private static async Task EnsureExtensionAsync(NpgsqlConnection target, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = @name)", target);
        exists.Parameters.AddWithValue("name", AivenExtrasSubscriptions.Extension);
        if ((bool)(await exists.ExecuteScalarAsync(ct))!)
            return;
        await ExecuteAsync(target, $"CREATE EXTENSION {Identifiers.Quote(AivenExtrasSubscriptions.Extension)}", ct);
        await ExecuteAsync(target, $"COMMENT ON EXTENSION {Identifiers.Quote(AivenExtrasSubscriptions.Extension)} IS {Identifiers.Literal(ExtensionMark)}", ct);
    }

    /// <summary>
    /// The target database must be empty when the schema is restored: tables found now were left by an interrupted
    /// attempt of ours (preflight checked the target at the start), so the database is made again.
    /// </summary>
    private async Task PrepareTargetDatabaseAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        var info = _databaseInfos[run.Name];
        if (!_targetFacts!.IsSuperuser)
            info = info with { Owner = _targetFacts.CurrentUser }; // only a superuser may give a database to another role
        if (await TargetDatabases.ExistsAsync(_options.Target, run.Name, ct))
        {
            int tables;
            await using (var database = await OpenTargetAsync(run.Name, ct))
                tables = await CatalogReader.CountUserTablesAsync(database, ct);
            if (tables == 0)
            {
                await DatabaseProperties.CopyAsync(_options.Source, _options.Target, run.Name, ct);
                return;
            }
            await TargetDatabases.DropAsync(_options.Target, run.Name, _targetFacts.Major, ct);
        }
        await TargetDatabases.CreateAsync(_options.Target, info, ct);
        await DatabaseProperties.CopyAsync(_options.Source, _options.Target, run.Name, ct);
    }

    private async Task WaitForInitialSyncAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        while (true)
        {
            await using (var target = await OpenTargetAsync(run.Name, ct))
                await ReadSubscriptionStateAsync(target, run, ct);
            if (run.TablesReady == run.TablesTotal)
                return;
            await Task.Delay(500, ct);
        }
    }

    /// <summary>After the initial sync: secondary indexes, foreign keys, triggers; materialized views; ANALYZE.</summary>
    private async Task FinishSchemaAsync(SubscriptionDatabase run, string workDirectory, CancellationToken ct)
    {
        // The dump made for pre-data when this process subscribed; after a resume, a new one (the schema must not change meanwhile).
        var file = Path.Combine(workDirectory, "schema.dump");
        var dump = File.Exists(file) ? new SchemaDump(_tools!, file) : await SchemaDump.CreateAsync(_tools!, _options.Source, run.Name, snapshot: null, file, ct);
        List<string> views;
        await using (var source = await OpenSourceAsync(run.Name, ct))
        {
            var (_, rest) = await PostDataSplit.WriteListsAsync(_tools!, dump, source, workDirectory, ct);
            await PostDataSplit.RestoreAsync(_tools!, dump, rest, _options.Target, run.Name, _options.Jobs, noOwner: !_targetFacts!.IsSuperuser, "the rest of the post-data schema", ct);
            views = await DatabaseCopier.ReadColumnAsync<string>(source, "Copy/Sql/materialized_views.sql", ct);
        }
        await using var target = await OpenTargetAsync(run.Name, ct);
        foreach (var view in views)
            await ExecuteAsync(target, $"REFRESH MATERIALIZED VIEW {view}", ct); // quoted by the source's quote_ident
        await ExecuteAsync(target, "ANALYZE", ct);
    }

    /// <param name="writable">A session that writes even on a source frozen by a cutover (drops its slot and publication).</param>
    private Task<NpgsqlConnection> OpenSourceAsync(string database, CancellationToken ct, bool writable = false) =>
        PgConnector.OpenAsync(_options.Source.WithDatabase(database), "source", ct, tune: writable ? Cutover.WritableSession.Tune : null);

    private Task<NpgsqlConnection> OpenTargetAsync(string database, CancellationToken ct) =>
        PgConnector.OpenAsync(_options.Target.WithDatabase(database), "target", ct);
}
