using PgMove.Core.Schema;

namespace PgMove.Core.Copy;

/// <summary>How a copy ended, per database.</summary>
public sealed record CopyResult(RoleCopyResult? Roles, IReadOnlyList<DatabaseCopyResult> Databases, TimeSpan Elapsed);

public sealed record DatabaseCopyResult(string Database, string Outcome, int Tables, long Rows, long Bytes, TimeSpan Elapsed);
