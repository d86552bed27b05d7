namespace PgMove.Core.Copy;

/// <summary>
/// What follows a table's rows on the target as soon as they are all in: its indexes, primary key, unique and
/// exclusion constraints and extended statistics (pg_dump's own SQL, one statement group per entry), then ANALYZE,
/// which must come after them to sample expression indexes and extended statistics.
/// </summary>
internal sealed record TableBuild(TableToCopy Table, IReadOnlyList<(string Type, string Name, string Sql)> Entries, bool Analyze);
