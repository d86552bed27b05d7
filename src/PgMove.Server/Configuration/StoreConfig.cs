namespace PgMove.Server.Configuration;

/// <summary>Where migrations are kept: a SQLite file (the default) or, for several service nodes, PostgreSQL.</summary>
public sealed class StoreConfig
{
    /// <summary>The SQLite state file. The default value is <c>~/.local/share/pgmove/state.db</c>.</summary>
    public string? Sqlite { get; set; }

    /// <summary>A PostgreSQL connection string shared by several service nodes (not available yet).</summary>
    public string? Postgres { get; set; }
}
