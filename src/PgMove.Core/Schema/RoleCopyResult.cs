namespace PgMove.Core.Schema;

/// <summary>Roles created on the target, roles it already had (left as they are), and what could not be done.</summary>
public sealed record RoleCopyResult(IReadOnlyList<string> Created, IReadOnlyList<string> AlreadyPresent, IReadOnlyList<string> Failures);
