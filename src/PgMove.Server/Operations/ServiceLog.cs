namespace PgMove.Server.Operations;

/// <summary>The service's own events, one line each (JSON on the console). Sources are shown without password.</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "pgmove serve listening on {Listen}; {Clusters} clusters; store {Store}")]
    public static partial void Listening(ILogger logger, string listen, int clusters, string store);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Migration {MigrationId} started into cluster {Cluster} from {Source}, {Ignored} databases ignored")]
    public static partial void MigrationStarted(ILogger logger, string migrationId, string cluster, string source, int ignored);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Migration {MigrationId} resumed (was {Status})")]
    public static partial void MigrationResumed(ILogger logger, string migrationId, string status);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Migration {MigrationId} stop asked; now {Status}")]
    public static partial void MigrationStopped(ILogger logger, string migrationId, string status);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Migration {MigrationId} cutover asked; application switch: {Switch}")]
    public static partial void CutoverRequested(ILogger logger, string migrationId, string @switch);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Migration {MigrationId} ended {Status}: {Detail}")]
    public static partial void MigrationEnded(ILogger logger, string migrationId, string status, string detail);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Migration {MigrationId} detached; it resumes when the service starts again")]
    public static partial void MigrationDetached(ILogger logger, string migrationId);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Migration {MigrationId} taken over by node {Node}: no live node held its lease")]
    public static partial void MigrationTakenOver(ILogger logger, string migrationId, string node);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Migration {MigrationId} detached here: node {Node} lost its lease (it stalled longer than the lease), another node runs it")]
    public static partial void LeaseLost(ILogger logger, string migrationId, string node);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Migration {MigrationId}: its lease could not be released ({Error}); another node takes it over when the lease expires")]
    public static partial void LeaseNotReleased(ILogger logger, string migrationId, string error);

    [LoggerMessage(EventId = 1190, Level = LogLevel.Error, Message = "Migration {MigrationId} failed unexpectedly: {Error}")]
    public static partial void MigrationFailed(ILogger logger, string migrationId, string error);

    [LoggerMessage(EventId = 1191, Level = LogLevel.Warning, Message = "Migration {MigrationId} could not be resumed: {Error}")]
    public static partial void ResumeFailed(ILogger logger, string migrationId, string error);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Preflight refused a migration into cluster {Cluster}: {Failed}")]
    public static partial void PreflightRefused(ILogger logger, string cluster, string failed);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Request {RequestId} {Method} {Path} refused: no valid token")]
    public static partial void Unauthorized(ILogger logger, string requestId, string method, string path);

    [LoggerMessage(EventId = 1900, Level = LogLevel.Error, Message = "Request {RequestId} failed: {Error}")]
    public static partial void RequestFailed(ILogger logger, string requestId, string error);
}
