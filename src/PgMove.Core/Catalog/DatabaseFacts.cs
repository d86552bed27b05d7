namespace PgMove.Core.Catalog;

/// <summary>Counts, for one database, of what logical replication does not carry.</summary>
public sealed record DatabaseFacts(long LargeObjects, int UnloggedTables, int MaterializedViews, int Tables);
