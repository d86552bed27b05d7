using PgMove.Core.Connections;
using PgMove.Core.Switch;

namespace PgMove.Server.Configuration;

/// <summary>A validated target cluster; <paramref name="PgBouncer"/>: the switch its configuration offers a cutover, or null.</summary>
public sealed record ManagedCluster(Guid Uuid, string Name, ConnectionSpec Target, SwitchSettings? PgBouncer = null)
{
    public string Id => Uuid.ToString();
}
