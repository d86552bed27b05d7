namespace PgMove.Core.State;

/// <summary>How a node uses a shared <see cref="PostgresMigrationStore"/>.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>This node's name in the leases. The default value is the host name and the process id.</summary>
    public string NodeId { get; init; } = DefaultNodeId();

    /// <summary>How long a lease lasts without renewal (a dead node's migrations wait this long). The default value is 30 s.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The schema of the store's table. The default value is <c>pgmove</c>.</summary>
    public string Schema { get; init; } = PostgresMigrationStore.DefaultSchema;

    public static string DefaultNodeId() => $"{Environment.MachineName}:{Environment.ProcessId}";
}
