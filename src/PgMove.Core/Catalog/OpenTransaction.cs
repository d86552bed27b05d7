namespace PgMove.Core.Catalog;

/// <summary>A long-running or prepared transaction; <see cref="Who"/> is a backend pid or a prepared gid.</summary>
public sealed record OpenTransaction(string Kind, string Database, string Who, long AgeSeconds);
