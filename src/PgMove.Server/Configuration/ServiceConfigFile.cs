namespace PgMove.Server.Configuration;

/// <summary>
/// The service's configuration as written in its file (JSON) and overridden by <c>PGMOVE_SERVE_*</c>
/// environment variables (<c>PGMOVE_SERVE_TOKENS__0</c>, <c>PGMOVE_SERVE_CLUSTERS__0__CONNECTION</c>).
/// Bound, then checked by <see cref="ServiceConfigLoader"/>.
/// </summary>
public sealed class ServiceConfigFile
{
    /// <summary>Where the HTTP API listens. The default value is <c>http://127.0.0.1:8080</c>.</summary>
    public string? Listen { get; set; }

    /// <summary>Bearer tokens accepted by the API; at least one, each of 16 characters or more.</summary>
    public List<string> Tokens { get; set; } = [];

    public StoreConfig Store { get; set; } = new();

    /// <summary>The target clusters this service migrates into.</summary>
    public List<ClusterConfig> Clusters { get; set; } = [];

    /// <summary>Requests per token and hour, as DigitalOcean's API. The default value is 5000.</summary>
    public int? RateLimitPerHour { get; set; }

    /// <summary>Directory of pg_dump and pg_restore; searched on PATH and in /usr/lib/postgresql when left out.</summary>
    public string? PgBin { get; set; }

    /// <summary>Copy workers per database. The default value is 4.</summary>
    public int? Jobs { get; set; }
}
