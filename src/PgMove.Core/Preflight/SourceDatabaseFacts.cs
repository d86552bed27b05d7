using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight;

/// <summary>Everything the checks need from one source database, read over one connection.</summary>
public sealed record SourceDatabaseFacts(
    DatabaseInfo Database,
    DatabaseFacts Counts,
    IReadOnlyList<QualifiedName> TablesWithoutKey,
    IReadOnlyList<ExtensionInfo> Extensions,
    IReadOnlyList<string> Languages,
    IReadOnlyList<(string Name, string Provider, string Locale)> Collations);
