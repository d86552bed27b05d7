namespace PgMove.Core.Catalog;

/// <summary>One database of a server.</summary>
public sealed record DatabaseInfo(
    string Name, bool AllowsConnections, bool IsTemplate, string Encoding, string Collate, string Ctype, string Owner, long SizeBytes);
