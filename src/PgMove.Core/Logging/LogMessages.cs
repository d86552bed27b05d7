using Microsoft.Extensions.Logging;

namespace PgMove.Core.Logging;

/// <summary>
/// Every log event of the engine, source-generated. Event ids are grouped by area: 1xxx migrations,
/// 2xxx replication objects on the source, 3xxx copy, 4xxx cutover and stop, 5xxx DDL carried in the stream, 6xxx fallback.
/// Arguments are names, positions and redacted connection strings only: never a password.
/// </summary>
internal static partial class LogMessages
{
    // 1xxx: migrations
    [LoggerMessage(1001, LogLevel.Information, "Migration {MigrationId} started (or resumed): source {Source}, target {Target}")]
    public static partial void MigrationStarted(this ILogger logger, string migrationId, string source, string target);

    [LoggerMessage(1002, LogLevel.Information, "Database {Database}: {From} -> {To}")]
    public static partial void PhaseChanged(this ILogger logger, string database, string from, string to);

    [LoggerMessage(1003, LogLevel.Warning, "Database {Database}: connection lost ({Error}); retry {Attempt} in {DelaySeconds} s")]
    public static partial void Retrying(this ILogger logger, string database, string error, int attempt, double delaySeconds);

    [LoggerMessage(1004, LogLevel.Warning, "Step {Step}: connection lost ({Error}); retry {Attempt} in {DelaySeconds} s")]
    public static partial void StepRetrying(this ILogger logger, string step, string error, int attempt, double delaySeconds);

    [LoggerMessage(1005, LogLevel.Error, "Database {Database} failed: {Error}")]
    public static partial void DatabaseFailed(this ILogger logger, string database, string error);

    [LoggerMessage(1006, LogLevel.Error, "Migration {MigrationId} failed: {Error} Fix: {Fix}")]
    public static partial void MigrationFailed(this ILogger logger, string migrationId, string error, string fix);

    [LoggerMessage(1007, LogLevel.Information, "Migration {MigrationId} ended: {Status}; {Result}")]
    public static partial void MigrationEnded(this ILogger logger, string migrationId, string status, string? result);

    [LoggerMessage(1008, LogLevel.Information, "Migration {MigrationId} detached: slots and publications stay; pgmove start resumes")]
    public static partial void Detached(this ILogger logger, string migrationId);

    // 2xxx: what PgMove creates and drops on the source
    [LoggerMessage(2001, LogLevel.Information, "Database {Database}: publication {Publication} created (if missing)")]
    public static partial void PublicationCreated(this ILogger logger, string database, string publication);

    [LoggerMessage(2002, LogLevel.Information, "Database {Database}: replication slot {Slot} created, consistent point {ConsistentPoint}")]
    public static partial void SlotCreated(this ILogger logger, string database, string slot, string consistentPoint);

    [LoggerMessage(2003, LogLevel.Information, "Database {Database}: replication slot {Slot} and publication {Publication} dropped")]
    public static partial void SlotAndPublicationDropped(this ILogger logger, string database, string slot, string publication);

    [LoggerMessage(2004, LogLevel.Error, "Database {Database}: slot {Slot} and publication {Publication} could not be dropped: {Error}")]
    public static partial void CleanupFailed(this ILogger logger, string database, string slot, string publication, string error);

    // 3xxx: copy
    [LoggerMessage(3001, LogLevel.Information, "Database {Database}: copy started in snapshot {Snapshot}")]
    public static partial void CopyStarted(this ILogger logger, string database, string snapshot);

    [LoggerMessage(3002, LogLevel.Information, "Database {Database}: copy done, streaming from {ConsistentPoint}")]
    public static partial void CopyDone(this ILogger logger, string database, string consistentPoint);

    // 4xxx: cutover and stop
    [LoggerMessage(4001, LogLevel.Information, "Migration {MigrationId}: cutover requested (freeze source: {Freeze}); waiting for every stream to reach its mark")]
    public static partial void CutoverRequested(this ILogger logger, string migrationId, bool freeze);

    [LoggerMessage(4002, LogLevel.Information, "Migration {MigrationId}: every stream caught up; checking for writes after the marks, copying sequences, large objects and new roles")]
    public static partial void CutoverFinishing(this ILogger logger, string migrationId);

    [LoggerMessage(4003, LogLevel.Information, "Migration {MigrationId}: stopping ({Reason})")]
    public static partial void Stopping(this ILogger logger, string migrationId, string reason);

    [LoggerMessage(4004, LogLevel.Information, "Migration {MigrationId}: cutover verifying source against target (slots kept until it passes)")]
    public static partial void CutoverVerifying(this ILogger logger, string migrationId);

    [LoggerMessage(4005, LogLevel.Information, "Migration {MigrationId}: cutover verified; dropping slots, publications and subscriptions")]
    public static partial void CutoverDropping(this ILogger logger, string migrationId);

    [LoggerMessage(4006, LogLevel.Warning, "Migration {MigrationId}: {Message}; the migration goes on syncing")]
    public static partial void CutoverRefused(this ILogger logger, string migrationId, string message);

    [LoggerMessage(4007, LogLevel.Information, "Source databases made writable again: {Databases}")]
    public static partial void Unfrozen(this ILogger logger, string databases);

    [LoggerMessage(4008, LogLevel.Information, "Migration {MigrationId}: the applications' queries are held (switch paused); freezing the source")]
    public static partial void SwitchPaused(this ILogger logger, string migrationId);

    [LoggerMessage(4009, LogLevel.Information, "Migration {MigrationId}: applications switched: {Summary}")]
    public static partial void SwitchDone(this ILogger logger, string migrationId, string summary);

    [LoggerMessage(4010, LogLevel.Warning, "Migration {MigrationId}: the switch was rolled back ({Cause}); the applications go on with the source")]
    public static partial void SwitchRolledBack(this ILogger logger, string migrationId, string cause);

    [LoggerMessage(4011, LogLevel.Warning, "Migration {MigrationId}: an interrupted switch was brought to an end: {Summary}")]
    public static partial void SwitchRecovered(this ILogger logger, string migrationId, string summary);

    // 5xxx: DDL carried in the stream
    [LoggerMessage(5001, LogLevel.Information, "Database {Database}: DDL {Tag} from the source applied on the target ({Objects}), source LSN {Lsn}")]
    public static partial void DdlApplied(this ILogger logger, string database, string tag, string objects, string lsn);

    [LoggerMessage(5002, LogLevel.Warning, "Database {Database}: the source's DDL ran as role {Role}, which the target lacks or {TargetUser} cannot take: it runs as {TargetUser} (objects it creates are owned by {TargetUser})")]
    public static partial void DdlRoleUnusable(this ILogger logger, string database, string role, string targetUser);

    [LoggerMessage(5003, LogLevel.Information, "Database {Database}: DDL capture installed (event triggers {Triggers})")]
    public static partial void DdlCaptureInstalled(this ILogger logger, string database, string triggers);

    [LoggerMessage(5004, LogLevel.Warning, "Database {Database}: DDL on the source will not be carried ({Reason}); a change of a table's shape stops this database with the statement to run on the target")]
    public static partial void DdlCaptureUnavailable(this ILogger logger, string database, string reason);

    [LoggerMessage(5005, LogLevel.Information, "Database {Database}: DDL capture removed")]
    public static partial void DdlCaptureRemoved(this ILogger logger, string database);

    [LoggerMessage(5006, LogLevel.Information, "Database {Database}: DDL {Tag} at source LSN {Lsn} passed: it was held and made on the target by hand")]
    public static partial void DdlPassedAsDoneByHand(this ILogger logger, string database, string tag, string lsn);
    [LoggerMessage(5007, LogLevel.Information, "Database {Database}: column {Column} added to {Table} by the source's DDL: {Rows} existing rows given the source's value of its default (computed once on each side)")]
    public static partial void DdlAddedColumnMended(this ILogger logger, string database, string table, string column, int rows);

    // 51xx: the subscription method's captured DDL (pgmove start --apply-ddl)
    [LoggerMessage(5101, LogLevel.Information, "Database {Database}: no captured DDL is pending on the target{Detail}")]
    public static partial void DdlNothingPending(this ILogger logger, string database, string detail);

    [LoggerMessage(5102, LogLevel.Warning, "Database {Database}: DDL {Tag} captured at source LSN {Lsn} was already made on the target ({Error}): recorded as applied")]
    public static partial void DdlAlreadyOnTarget(this ILogger logger, string database, string tag, string lsn, string error);

    // 6xxx: fallback (the reverse stream of a cutover with fallback)
    [LoggerMessage(6001, LogLevel.Information, "Migration {MigrationId}, database {Database}: stream from the other server created at its switch (slot {Slot}, starts at {Lsn})")]
    public static partial void FallbackStreamCreated(this ILogger logger, string migrationId, string database, string slot, string lsn);

    [LoggerMessage(6002, LogLevel.Warning, "Migration {MigrationId}: the switch rolled back, so its fallback stream {ReverseId} was dropped")]
    public static partial void FallbackStreamDropped(this ILogger logger, string migrationId, string reverseId);

    [LoggerMessage(6003, LogLevel.Information, "Migration {MigrationId} is {Status}: migration {NextId} runs now in this process")]
    public static partial void FallbackContinues(this ILogger logger, string migrationId, string status, string nextId);
}
