namespace PgMove.Core.Verify;

/// <summary>A table as one server has it: live columns by attnum, its integer key if any, its size.</summary>
internal sealed record TableShape(IReadOnlyList<string> Columns, string? KeyColumn, long SizeBytes);
