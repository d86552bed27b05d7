namespace PgMove.Server.Configuration;

/// <summary>One target cluster as configured: DigitalOcean's cluster UUID, a display name, and how to reach it.</summary>
public sealed class ClusterConfig
{
    public string? Uuid { get; set; }

    public string? Name { get; set; }

    /// <summary>A libpq URI or key=value string; a password left out comes from PGPASSWORD or ~/.pgpass of the service's user.</summary>
    public string? Connection { get; set; }

    /// <summary>The PgBouncer the cluster's applications go through, for a cutover that switches them. The default value is none.</summary>
    public PgBouncerConfig? PgBouncer { get; set; }
}
