using PgMove.Core.Connections;

namespace PgMove.Server.Configuration;

/// <summary>A validated target cluster.</summary>
public sealed record ManagedCluster(Guid Uuid, string Name, ConnectionSpec Target)
{
    public string Id => Uuid.ToString();
}
