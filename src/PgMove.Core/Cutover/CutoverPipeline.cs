using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.Schema;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Core.Cutover;

/// <summary>
/// The one cutover of every method, once the target has confirmed each database's mark: check that nothing was
/// written after the marks, copy what replication does not carry (sequences, large objects, new roles), verify —
/// all while the slots still exist, so that any failure leaves the migration syncing — and only then drop the
/// replication objects. The step is recorded in the store first: a run interrupted anywhere finishes when resumed,
/// without streaming or copying again.
/// </summary>
internal sealed class CutoverPipeline(ICutoverMethod method, MigrationOptions options, IMigrationStore store, string migrationId, CutoverVerifier? verifier)
{
    private readonly ILogger _logger = options.LoggerFactory.CreateLogger("PgMove.Cutover");

    /// <param name="cutoverSwitch">
    /// The application switch the cutover asked for, already paused (with the source frozen) by the method, or null. It
    /// moves the applications once the target is level and sequences are copied; the verification then reads the target
    /// as it was at that instant. Any failure before the applications resume rolls it back.
    /// </param>
    public async Task<CutoverOutcome> RunAsync(bool froze, DateTimeOffset? frozenAt, CutoverSwitch? cutoverSwitch, CancellationToken ct)
    {
        store.SetRequest(migrationId, froze ? MigrationControl.CutoverFinishingFrozen : MigrationControl.CutoverFinishing);
        _logger.CutoverFinishing(migrationId);
        var names = method.Databases.Select(d => d.Name).ToList();
        // Resumed after the applications were moved: sequences must not be copied again (the target's moved on), nor
        // can the target be seen as it was at the switch.
        var moved = store.Get(migrationId)?.SwitchStep == nameof(SwitchStep.Done);
        var switching = cutoverSwitch is not null && !moved;
        string summary = "", notes = "", switched = "";
        var snapshots = new TargetSnapshots(options.Target);
        await using (snapshots)
        await using (new RunnerHeartbeat(method.Save))
        {
            var slotsLeft = true;
            try
            {
                await method.HoldAsync(ct);
                (var written, slotsLeft) = await FindWritesAsync(ct);
                // Resumed after the switch moved the applications: this check passed before the move, and what a slot
                // holds since is PgMove's own (a stream the other way recorded its start on the frozen source while the
                // applications were held). A refusal could not bring them back: it would make the source writable beside
                // the target they write to.
                if (written is not null && !moved)
                    return await RefuseAsync(froze, slotsLeft, switching ? cutoverSwitch : null, $"the source was written after the cutover began ({written}); the target does not have those changes yet.",
                        "Stop the applications' writes to the source (or use --freeze-source, which makes the source read-only), then run the cutover again. The migration goes on syncing meanwhile.", ct);
                if (!moved)
                    notes = await CarryUnreplicatedAsync(roles: !switching, ct);
                if (switching)
                    switched = " " + await cutoverSwitch!.MoveAndResumeAsync(c => snapshots.ExportAsync(names, c), ct);
            }
            catch (PgMoveException error) when (!switching)
            {
                return await RefuseAsync(froze, slotsLeft, null, error.Message, error.Fix, ct);
            }
            catch (Exception error) when (switching && !cutoverSwitch!.Moved)
            {
                // Nothing may leave the applications held or on a half-made target: every failure before the resume
                // (a target that went down, an ini that cannot be written, a command that failed, Ctrl-C) goes back.
                var outcome = await RefuseAsync(froze, slotsLeft, cutoverSwitch, error.Message, (error as PgMoveException)?.Fix
                    ?? "Check both servers and PgBouncer, then run the cutover again. The migration goes on syncing meanwhile.", CancellationToken.None);
                if (error is OperationCanceledException)
                    throw;
                return outcome;
            }
            // From here the applications write to the target: a failure can no longer go back, and must say so.
            var step = "carrying the roles created during the switch";
            try
            {
                if (switching)
                    notes += await CarryRolesAsync(options, ct);
                step = "verifying the target against the frozen source";
                if (verifier is not null && moved)
                    summary = "verify: not repeated — the cutover was resumed after the applications had moved to the target, which no longer shows the state at the switch.";
                else if (verifier is not null)
                {
                    _logger.CutoverVerifying(migrationId);
                    (var equal, summary) = await verifier(options.Source, options.Target, names, switching ? snapshots.Ids : null, ct);
                    if (!equal && switching)
                    {
                        // The applications write to the target already: nothing to go back to; say so loudly.
                        notes += $" WARNING: the verification found differences between the frozen source and the target as it was at the switch: {summary} "
                            + "The source keeps the data as it was; compare and repair those tables by hand.";
                        summary = "";
                    }
                    else if (!equal)
                    {
                        var (written, _) = await FindWritesAsync(ct);
                        return written is not null
                            ? await RefuseAsync(froze, slotsLeft, null, $"the source was written during the cutover's verification ({written}); {summary}",
                                "Stop the applications' writes to the source (or use --freeze-source), then run the cutover again. The migration goes on syncing meanwhile.", ct)
                            : await RefuseAsync(froze, slotsLeft, null, $"verification found differences, so nothing was dropped: {summary}",
                                "Compare the tables named above (pgmove verify names the first differing key), fix them on the target, then run the cutover again; the slots are kept, so nothing is lost meanwhile.", ct);
                    }
                }
                // Verified: only now does the way back go.
                step = "dropping the replication slots and publications";
                _logger.CutoverDropping(migrationId);
                notes += await method.DropReplicationAsync(ct);
                step = "making the target writable again after the fallback";
                if (!switching)
                    notes += await ThawTargetAsync(names, ct);
            }
            catch (Exception error) when ((switching || moved) && error is not OperationCanceledException)
            {
                throw AfterResume(step, error);
            }
        }
        var frozen = await FrozenSafelyAsync(names, ct);
        var downtime = frozenAt is { } at ? $"; the source was frozen at {at:u} ({(DateTimeOffset.UtcNow - at).TotalSeconds:N1} s until the target was verified)" : "";
        var stays = frozen.Count == 0
            ? ""
            : $" The source databases {string.Join(", ", frozen)} stay read-only on purpose (writes there would not reach the target); pgmove unfreeze makes them writable again.";
        return new CutoverOutcome(CutoverOutcome.Kinds.Done, $"cutover done at {DateTimeOffset.UtcNow:u}{downtime}.{switched} {summary}{stays}{notes}".Trim());
    }

    /// <summary>A failure once the applications were resumed on the target: names the step and what finishes it.</summary>
    private static PgMoveException AfterResume(string step, Exception error)
    {
        var cause = error switch
        {
            PgMoveException known => known.Message,
            PostgresException => ErrorText.Of(error),
            { InnerException: { } inner } => $"{error.Message} ({inner.Message})",
            _ => error.Message,
        };
        return new PgMoveException("cutover.after_resume",
            $"The applications were moved to the target and resumed there; then {step} failed: {cause}",
            "Nothing goes back to the source now (it stays read-only). Once both servers answer, run pgmove cutover again (or pgmove start): it finishes what is left of the cutover without moving the applications again.",
            error);
    }

    /// <summary>
    /// A cutover without a switch (a switch does it before its resume) of a migration that fell back: the target, frozen
    /// by the fallback, is made writable once nothing follows any more. The completed fallback in the store is the record
    /// of it, so a cutover interrupted here does it when resumed.
    /// </summary>
    private async Task<string> ThawTargetAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        if (!Fallback.FallbackFreeze.FellBack(store, migrationId))
            return "";
        var thawed = await SourceFreeze.UnfreezeAsync(options.Target, names, ct);
        return thawed.Count == 0 ? "" : $" The target databases {string.Join(", ", thawed)}, read-only since the fallback, are writable again.";
    }

    /// <summary>The first database whose slot holds a change after its confirmed position, and whether any slot is left.</summary>
    private async Task<(string? Written, bool SlotsLeft)> FindWritesAsync(CancellationToken ct)
    {
        var slotsLeft = false;
        foreach (var database in method.Databases)
        {
            await using var source = await PgConnector.OpenAsync(options.Source.WithDatabase(database.Name), "source", ct, tune: WritableSession.Tune);
            var tables = await PendingWrites.FirstAsync(source, database, await AppliedUpToAsync(database.Name, ct), ct);
            slotsLeft |= tables is not null;
            if (tables is { Count: > 0 })
                return ($"database {database.Name}: {string.Join(", ", tables)}", true);
        }
        return (null, slotsLeft);
    }

    /// <summary>The target's own record of what it applied; null when it cannot be read (the slot's position alone then decides).</summary>
    private async Task<NpgsqlLogSequenceNumber?> AppliedUpToAsync(string database, CancellationToken ct)
    {
        try
        {
            return await method.AppliedUpToAsync(database, ct);
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            return null;
        }
    }

    /// <summary>Sequences (new ones created), large objects, and (<paramref name="roles"/>) roles created or changed on the source while streaming.</summary>
    private async Task<string> CarryUnreplicatedAsync(bool roles, CancellationToken ct)
    {
        foreach (var database in method.Databases)
        {
            await using var source = await PgConnector.OpenAsync(options.Source.WithDatabase(database.Name), "source", ct, tune: WritableSession.Tune);
            // A fallback's target is the old server, frozen for everyone but PgMove until the applications come back.
            await using var target = await PgConnector.OpenAsync(options.Target.WithDatabase(database.Name), "target", ct, tune: WritableSession.Tune);
            await ExecuteAsync(source, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ct);
            await SequenceSync.CopyAsync(source, target, database.Name, ct);
            await LargeObjectSync.CopyAsync(source, target, ct);
            await ExecuteAsync(source, "COMMIT", ct);
        }
        return roles ? await CarryRolesAsync(options, ct) : "";
    }

    /// <summary>
    /// Roles created on the source while streaming. A switch carries them before it pauses the applications (pg_dumpall
    /// takes a good part of a second) and again after it resumed them, for any created in between.
    /// </summary>
    internal static async Task<string> CarryRolesAsync(MigrationOptions options, CancellationToken ct)
    {
        ServerFacts facts;
        await using (var source = await PgConnector.OpenAsync(options.Source, "source", ct))
            facts = await CatalogReader.ReadServerAsync(source, ct);
        // pg_dumpall refuses a newer server: a fallback reads the new server, which the old server's tools cannot.
        var tools = (await PgToolLocator.FindAllAsync(options.PgBinDirectory, ct)).FirstOrDefault(t => t.Major >= facts.Major);
        return await RoleCopier.CarryAtCutoverAsync(tools, options.Source, facts.IsSuperuser, options.Target, ct);
    }

    /// <summary>
    /// Nothing is dropped: the switch (when one was under way) goes back to the source, the freeze this cutover made is
    /// undone, the method goes on applying.
    /// </summary>
    private async Task<CutoverOutcome> RefuseAsync(bool froze, bool slotsLeft, CutoverSwitch? cutoverSwitch, string message, string fix, CancellationToken ct)
    {
        if (!slotsLeft)
        {
            // Interrupted after the slots went and found wrong when resumed: there is no way back to syncing.
            return new CutoverOutcome(CutoverOutcome.Kinds.Failed, $"cutover: {message}",
                "The replication slots were already dropped: fix the differences on the target by hand (pgmove verify names them), or start a new migration.");
        }
        string back;
        if (cutoverSwitch is not null)
            back = " " + await cutoverSwitch.RollBackAsync(new PgMoveException("cutover.refused", message, fix));
        else
        {
            var unfrozen = froze ? await SourceFreeze.UnfreezeAsync(options.Source, method.Databases.Select(d => d.Name).ToList(), ct) : [];
            back = unfrozen.Count == 0 ? "" : " The source is writable again.";
        }
        await method.ReleaseHoldAsync(ct);
        _logger.CutoverRefused(migrationId, message);
        return new CutoverOutcome(CutoverOutcome.Kinds.Refused, $"cutover refused: {message}{back}", fix);
    }

    /// <summary>Which databases stay frozen; reading it must not fail a cutover that is already done.</summary>
    private async Task<IReadOnlyList<string>> FrozenSafelyAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        try
        {
            return await SourceFreeze.FrozenAsync(options.Source, names, ct);
        }
        catch (Exception error) when (error is PgMoveException or NpgsqlException)
        {
            return [];
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
