namespace PgMove.Core.Verify;

/// <summary>
/// A table as one server has it: live columns by attnum, its integer key if any (for chunks), the columns of its
/// primary or unique NOT NULL key if any (to name the first differing key), its size.
/// </summary>
internal sealed record TableShape(IReadOnlyList<string> Columns, string? KeyColumn, long SizeBytes, IReadOnlyList<string>? KeyColumns = null);
