namespace PgMove.Tests.Infrastructure;

/// <summary>How a throwaway test cluster is configured. Defaults suit a migration source or target.</summary>
public sealed record ClusterOptions
{
    /// <summary>PostgreSQL major version. The default value is 15 (the machine's own packages).</summary>
    public int Major { get; init; } = 15;

    /// <summary>The default value is <c>logical</c>.</summary>
    public string WalLevel { get; init; } = "logical";

    public int MaxReplicationSlots { get; init; } = 10;

    public int MaxWalSenders { get; init; } = 10;

    /// <summary>When true, pg_hba asks every TCP client for a scram password. The default value is false (trust).</summary>
    public bool PasswordAuth { get; init; }

    /// <summary>When true the server offers TLS with a self-signed certificate.</summary>
    public bool Ssl { get; init; }

    /// <summary>When true (and <see cref="Ssl"/>), pg_hba only accepts TLS connections.</summary>
    public bool RequireSsl { get; init; }

    /// <summary>Replaces the generated pg_hba.conf entirely when set.</summary>
    public IReadOnlyList<string>? HbaLines { get; init; }

    /// <summary>Any other postgresql.conf settings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
