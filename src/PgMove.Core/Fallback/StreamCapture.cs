using Microsoft.Extensions.Logging;
using Npgsql;
using PgMove.Core.Connections;
using PgMove.Core.Cutover;
using PgMove.Core.Logging;
using PgMove.Core.Replication;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Fallback;

/// <summary>
/// The DDL capture of a stream started at a switch (<see cref="StreamStart"/>): the same event triggers a relay installs
/// on its source after each slot, here on the server the stream reads, so that DDL there is carried the other way as in
/// the forward direction. Named after the stream's record; removed with its slots by its stop, cutover (a fallback),
/// finish or limits, like a forward migration's, and by the undo of a switch that rolls back.
/// </summary>
internal static class StreamCapture
{
    /// <summary>
    /// Installs it unless the migration was made without capture (<c>--no-ddl-capture</c>), the server is older than
    /// logical decoding messages, or the user may not make event triggers (then DDL stops the stream as without capture).
    /// </summary>
    public static async Task InstallAsync(ConnectionSpec server, string role, string database, string streamId, bool captureDdl, ILogger logger, CancellationToken ct)
    {
        if (!captureDdl)
            return;
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        if (connection.PostgreSqlVersion.Major < DdlCapture.MinimumMajor)
        {
            logger.DdlCaptureUnavailable(database, $"the {role} runs PostgreSQL {connection.PostgreSqlVersion.Major}; logical decoding messages need {DdlCapture.MinimumMajor} or later");
            return;
        }
        try
        {
            await DdlCapture.InstallAsync(connection, streamId, ct);
            logger.DdlCaptureInstalled(database, $"{ReplicationNames.DdlCapture(streamId)}_end, _start, _drop, on the {role}");
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            logger.DdlCaptureUnavailable(database, $"{error.MessageText}: event triggers need a superuser on the {role}");
        }
    }

    /// <summary>Removes it if it is there.</summary>
    public static async Task RemoveAsync(ConnectionSpec server, string role, string database, string streamId, ILogger logger, CancellationToken ct)
    {
        await using var connection = await PgConnector.OpenAsync(server.WithDatabase(database), role, ct, tune: WritableSession.Tune);
        await DdlCapture.RemoveAsync(connection, streamId, ct);
        logger.DdlCaptureRemoved(database);
    }
}
