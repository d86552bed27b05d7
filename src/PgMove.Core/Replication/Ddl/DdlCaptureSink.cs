namespace PgMove.Core.Replication.Ddl;

/// <summary>Where the DDL capture puts each DDL it sees (<see cref="DdlCapture"/>).</summary>
public enum DdlCaptureSink
{
    /// <summary>Relay: a transactional logical decoding message, met by the applier at its place in the stream.</summary>
    Stream,

    /// <summary>
    /// Subscription: a row of an unlogged table in PgMove's schema on the source (native subscriptions ignore
    /// messages), read by PgMove to name and apply the DDL the target lacks. Unlogged tables are never published,
    /// so the publication FOR ALL TABLES leaves it alone.
    /// </summary>
    Log,
}
