using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;

namespace PgMove.Core.Subscription;

internal sealed partial class SubscriptionRunner
{
    /// <summary>Two cheap catalog queries per database this often: a new table's changes are held back at most this long.</summary>
    private static readonly TimeSpan NewTablesInterval = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A subscription holds the tables its publication had when it was made: a table created (or a partition
    /// attached) on the source later is published (FOR ALL TABLES) but the apply skips its changes without a word.
    /// Every few seconds, each streaming database's publication is compared with its subscription: a new table that
    /// exists on the target is added (REFRESH PUBLICATION copies its rows); one missing there stops the database.
    /// </summary>
    private async Task FollowNewTablesAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var run in _runs.Where(r => r.CopyDone && r.Phase == DatabasePhase.Streaming && r.SubscriptionOid is not null))
        {
            if (now - run.TablesCheckedAt < NewTablesInterval)
                continue;
            run.TablesCheckedAt = now;
            try
            {
                await AddNewTablesAsync(run, ct);
            }
            catch (Exception error) when (IsTransient(error))
            {
                // Unreachable for now; the next check tries again.
            }
            catch (PgMoveException error)
            {
                // With --apply-ddl, the captured DDL creates it on the target and it joins the subscription.
                if (error.Code == "subscription.table_missing" && await TryApplyDdlAsync(run, waitForLater: true, ct))
                    continue;
                run.Phase = DatabasePhase.Failed;
                run.LastError = Redact($"{error.Message} Fix: {error.Fix}");
            }
            catch (PostgresException error)
            {
                run.Phase = DatabasePhase.Failed;
                run.LastError = Redact($"adding the tables created on the source to subscription {run.Subscription} failed: {error.MessageText} ({error.SqlState}). " +
                                       "Fix: correct the cause, then run pgmove start again (it adds them); or pgmove stop to end the migration.");
            }
        }
    }

    /// <summary>Refreshes the subscription when the publication has tables it lacks; true when it did.</summary>
    private async Task<bool> AddNewTablesAsync(SubscriptionDatabase run, CancellationToken ct)
    {
        if (run.SubscriptionOid is not { } oid)
            return false;
        var schemas = new List<string>();
        var names = new List<string>();
        await using (var source = await OpenSourceAsync(run.Name, ct))
        await using (var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/published_tables.sql"), source))
        {
            command.Parameters.AddWithValue("publication", run.Publication);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                schemas.Add(reader.GetString(0));
                names.Add(reader.GetString(1));
            }
        }

        await using var target = await OpenTargetAsync(run.Name, ct);
        var added = new List<string>();
        var missing = new List<string>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Subscription/Sql/unsubscribed_tables.sql"), target))
        {
            command.Parameters.AddWithValue("schemas", schemas.ToArray());
            command.Parameters.AddWithValue("names", names.ToArray());
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, (uint)oid);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                (reader.GetBoolean(2) ? added : missing).Add($"{Identifiers.Quote(reader.GetString(0))}.{Identifiers.Quote(reader.GetString(1))}");
        }

        if (missing.Count > 0)
        {
            var list = string.Join(", ", missing);
            string captured;
            await using (var source = await OpenSourceAsync(run.Name, ct))
                captured = await DescribePendingDdlAsync(source, target, bound: null, ct);
            throw new PgMoveException("subscription.table_missing",
                $"database {run.Name}: {(missing.Count == 1 ? "table" : "tables")} {list} {(missing.Count == 1 ? "was" : "were")} created on the source during the migration " +
                $"and {(missing.Count == 1 ? "does" : "do")} not exist on the target, so the subscription cannot replicate {(missing.Count == 1 ? "it" : "them")} (the subscription method does not carry DDL).{captured}",
                (captured.Length == 0 ? "" : "Run pgmove start --apply-ddl: it runs the captured DDL on the target in the source's order, adds the new tables to the subscription and copies their rows. Or by hand: ") +
                $"Create {list} on the target with the same definition as on the source (pg_dump --schema-only --table of the source database shows it), " +
                "then run pgmove start: it adds the new tables to the subscription and copies their rows. Or pgmove stop to end the migration.");
        }
        if (added.Count == 0)
            return false;
        await _subscriptions.RefreshAsync(target, run.Subscription, ct);
        // Read at once: until the new tables are ready the migration is not level, and a cutover must not start.
        await ReadSubscriptionStateAsync(target, run, ct);
        return true;
    }

    /// <summary>Before a cutover: tables created since the last check join the subscription and are copied first.</summary>
    private async Task AddNewTablesBeforeCutoverAsync(CancellationToken ct)
    {
        foreach (var run in _runs)
        {
            if (!await AddNewTablesAsync(run, ct))
                continue;
            await WaitForInitialSyncAsync(run, ct);
        }
    }
}
