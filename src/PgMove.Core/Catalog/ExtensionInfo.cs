namespace PgMove.Core.Catalog;

public sealed record ExtensionInfo(string Name, string Version);
