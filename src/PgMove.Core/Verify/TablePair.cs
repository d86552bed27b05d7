using PgMove.Core.Catalog;

namespace PgMove.Core.Verify;

/// <summary>A table to compare: its shape on each side, null where it is missing.</summary>
internal sealed record TablePair(string Database, QualifiedName Table, TableShape? Source, TableShape? Target, bool TargetDatabaseExists)
{
    public long SizeBytes => Math.Max(Source?.SizeBytes ?? 0, Target?.SizeBytes ?? 0);
}
