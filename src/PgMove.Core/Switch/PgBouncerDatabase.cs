namespace PgMove.Core.Switch;

/// <summary>One row of PgBouncer's SHOW DATABASES: where a pooled database name leads.</summary>
/// <param name="Host">Empty for a Unix socket.</param>
/// <param name="Database">The database on the server (the entry's dbname).</param>
public sealed record PgBouncerDatabase(string Name, string Host, int Port, string Database, bool Paused);
