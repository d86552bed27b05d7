namespace PgMove.Server.Configuration;

/// <summary>Where migrations are kept: a SQLite file (the default) or, for several service nodes, PostgreSQL.</summary>
public sealed class StoreConfig
{
    /// <summary>The SQLite state file. The default value is <c>~/.local/share/pgmove/state.db</c>.</summary>
    public string? Sqlite { get; set; }

    /// <summary>
    /// A PostgreSQL connection string (URI or key=value; the password from the environment or ~/.pgpass when left
    /// out) to a store shared by several service nodes. The default value is none: the SQLite store.
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>With <see cref="Postgres"/>: the file of the 32-byte key that seals source passwords, the same on every node.</summary>
    public string? KeyFile { get; set; }

    /// <summary>With <see cref="Postgres"/>: this node's name in the leases. The default value is <c>host:pid</c>.</summary>
    public string? NodeId { get; set; }

    /// <summary>With <see cref="Postgres"/>: how long a node's lease outlives its last renewal. The default value is 30.</summary>
    public int? LeaseSeconds { get; set; }
}
