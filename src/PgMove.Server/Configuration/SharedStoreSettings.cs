using PgMove.Core.Connections;
using PgMove.Core.State;

namespace PgMove.Server.Configuration;

/// <summary>A PostgreSQL store shared by several service nodes: where it is, the key of its secrets, this node's leases.</summary>
public sealed record SharedStoreSettings(ConnectionSpec Connection, string KeyFile, PostgresStoreOptions Options)
{
    /// <summary>The store as logs show it (no password).</summary>
    public override string ToString() => $"{Connection} (node {Options.NodeId})";
}
