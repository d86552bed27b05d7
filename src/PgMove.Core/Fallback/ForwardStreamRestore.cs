using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Logging;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Core.Fallback;

/// <summary>
/// <c>pgmove fallback</c>, at its switch (the cutover of the reverse stream): the original migration starts again,
/// its slots and publications made on the old server at this instant, so that the new server follows the old one as
/// before the cutover and the migration is <c>syncing</c> again. Undone by a rollback: the migration stays done.
/// </summary>
/// <param name="options">The reverse stream's: its source is the new server, its target the old one.</param>
internal sealed class ForwardStreamRestore(IMigrationStore store, string reverseId, MigrationOptions options, IReadOnlyList<string> databases) : IFallbackStep
{
    private readonly ILogger _logger = options.LoggerFactory.CreateLogger("PgMove.Fallback");

    public Task CheckAsync(CancellationToken ct) => Task.CompletedTask;

    // The migration's slots are made at the switch: before it, the old server's stream still writes to the new one.
    public Task<bool> BeforePauseAsync(CancellationToken ct) => Task.FromResult(false);

    private MigrationRecord Forward() =>
        store.Get(reverseId) is { } reverse && FallbackPair.ForwardOf(store, reverse) is { } forward
            ? forward
            : throw new PgMoveException("fallback.migration_missing", $"The migration that fallback stream {reverseId} belongs to is gone from the state store.",
                "Use the state file the cutover was made with (--state).");

    public async Task BeforeResumeAsync(CancellationToken ct)
    {
        var forward = Forward();
        var restarted = new List<DatabaseRecord>();
        foreach (var database in forward.Databases.Where(d => databases.Contains(d.Name, StringComparer.Ordinal)))
        {
            var lsn = await StreamStart.CreateAsync(options.Target, "source", database.Name, database.Slot!, database.Publication!, ct);
            await StreamStart.RecordAppliedAsync(options.Source, "target", database.Name, database.Slot!, lsn, ct);
            // DDL on the old server is carried to the new one again, as before the cutover.
            await StreamCapture.InstallAsync(options.Target, "source", database.Name, forward.Id, forward.CaptureDdl, _logger, ct);
            _logger.FallbackStreamCreated(forward.Id, database.Name, database.Slot!, lsn.ToString());
            restarted.Add(database with
            {
                Phase = DatabasePhase.Pending, AppliedLsn = lsn.ToString(), LagBytes = null, LagSeconds = null, RetainedWalBytes = null, ChangesPerSecond = null, LastError = null,
            });
        }
        // The migration is syncing again, as before its cutover: the next cutover starts from nothing (no switch step, no request).
        store.Update(forward with
        {
            Status = MigrationStatus.Syncing, Databases = restarted, Error = null, Fix = null, RunnerPid = null,
            Limits = forward.Limits with { AgeCountsFrom = options.Clock.GetUtcNow() }, // its age limit counts from now
            Result = $"fell back at {DateTimeOffset.UtcNow:u}: the applications use the source again, and the target follows it",
        });
        store.SetSwitchStep(forward.Id, null);
        store.SetSwitch(forward.Id, null);
        store.SetRequest(forward.Id, null);
    }

    public async Task<string> UndoAsync(CancellationToken ct)
    {
        var forward = Forward();
        var failures = new List<string>();
        foreach (var database in forward.Databases.Where(d => databases.Contains(d.Name, StringComparer.Ordinal)))
        {
            try
            {
                await StreamCapture.RemoveAsync(options.Target, "source", database.Name, forward.Id, _logger, ct);
                await StreamStart.DropAsync(options.Target, "source", database.Name, database.Slot!, database.Publication!, ct);
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException)
            {
                failures.Add($"DDL capture, slot {database.Slot} and publication {database.Publication} in database {database.Name} on the old server ({error.Message})");
            }
            try
            {
                // The forward stream's start, recorded on the new server: it would be carried back to the old one as a row.
                await StreamStart.ForgetAppliedAsync(options.Source, "target", database.Name, database.Slot!, ct);
            }
            catch (Exception error) when (error is PgMoveException or NpgsqlException)
            {
                failures.Add($"the applied position of slot {database.Slot} in database {database.Name} on the new server ({error.Message})");
            }
        }
        if (forward.Status == MigrationStatus.Syncing)
        {
            // Cut over again, as before the fallback: its result says so (it said "fell back", which did not happen).
            store.Update(forward with
            {
                Status = MigrationStatus.Done, Databases = forward.Databases.Select(d => d with { Phase = DatabasePhase.Done }).ToList(),
                Result = $"cut over; a fallback begun at {DateTimeOffset.UtcNow:u} was rolled back: the applications use the target, which the source follows",
            });
            store.SetSwitchStep(forward.Id, nameof(SwitchStep.Done));
        }
        // The applications go back to the new server: the old one is read-only again for everyone but the reverse stream.
        await using (var old = await PgConnector.OpenAsync(options.Target, "source", ct, tune: WritableSession.Tune))
        {
            foreach (var database in databases)
                await SourceFreeze.FreezeAsync(old, database, ct);
        }
        return failures.Count == 0 ? "" : $" {string.Join("; ", failures)} may remain: drop them by hand.";
    }
}
