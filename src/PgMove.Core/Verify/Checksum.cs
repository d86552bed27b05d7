namespace PgMove.Core.Verify;

/// <summary>A row count and the checksum of those rows (an exact decimal sum, compared as text).</summary>
internal readonly record struct Checksum(long Rows, string Sum);
