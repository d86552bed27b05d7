namespace PgMove.Server.Configuration;

/// <summary>
/// The PgBouncer through which the applications of a target cluster reach their database: a cutover asked with
/// <c>"switch": "pgbouncer"</c> pauses its entries that lead to the source, points them at the cluster and resumes
/// them. There is deliberately no switch command here: the service never runs a command.
/// </summary>
public sealed class PgBouncerConfig
{
    /// <summary>
    /// PgBouncer's admin console, a libpq URI or key=value string (its database is <c>pgbouncer</c>); a password left
    /// out comes from PGPASSWORD or ~/.pgpass of the service's user.
    /// </summary>
    public string? Admin { get; set; }

    /// <summary>Absolute path of pgbouncer.ini, writable by the service. The default value is the <c>conffile</c> PgBouncer reports.</summary>
    public string? Ini { get; set; }

    /// <summary>The cluster as PgBouncer reaches it ("host:port"), when that differs from the cluster's connection. The default value is the connection's host and port.</summary>
    public string? Target { get; set; }

    /// <summary>Other addresses ("host:port") under which PgBouncer's entries reach the source, besides the source's own. The default value is none.</summary>
    public List<string>? Sources { get; set; }

    /// <summary>How long PAUSE may wait for running transactions before the switch gives up, changing nothing. The default value is 5.</summary>
    public double? PauseTimeoutSeconds { get; set; }

    /// <summary>How long the target may take to apply the last changes while the applications are held. The default value is 30.</summary>
    public double? CatchUpTimeoutSeconds { get; set; }
}
