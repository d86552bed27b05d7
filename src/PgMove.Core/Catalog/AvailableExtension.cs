namespace PgMove.Core.Catalog;

/// <summary>An extension a server can install, with all the versions it ships.</summary>
public sealed record AvailableExtension(string Name, IReadOnlyList<string> Versions, string? DefaultVersion);
