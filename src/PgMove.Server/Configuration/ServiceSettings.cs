using PgMove.Core.Migrations;

namespace PgMove.Server.Configuration;

/// <summary>The validated configuration the service runs with.</summary>
public sealed record ServiceSettings
{
    public const string DefaultListen = "http://127.0.0.1:8080";

    /// <summary>The default value is <see cref="DefaultListen"/>.</summary>
    public string Listen { get; init; } = DefaultListen;

    public required IReadOnlyList<string> Tokens { get; init; }

    public required string StorePath { get; init; }

    /// <summary>The PostgreSQL store shared with other nodes; when set, <see cref="StorePath"/> is not used.</summary>
    public SharedStoreSettings? SharedStore { get; init; }

    public required IReadOnlyList<ManagedCluster> Clusters { get; init; }

    /// <summary>The default value is 5000.</summary>
    public int RateLimitPerHour { get; init; } = 5000;

    public string? PgBinDirectory { get; init; }

    /// <summary>The default value is 4.</summary>
    public int Jobs { get; init; } = 4;

    /// <summary>Clock of the migrations' 14-day limit; tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public ManagedCluster? FindCluster(string uuid) =>
        Guid.TryParse(uuid, out var id) ? Clusters.FirstOrDefault(c => c.Uuid == id) : null;

    /// <summary>The cluster a migration went to: the target of the record is the cluster's connection, shown without password.</summary>
    public ManagedCluster? ClusterOf(MigrationRecord record) =>
        Clusters.FirstOrDefault(c => c.Target.ToString() == record.Target);
}
