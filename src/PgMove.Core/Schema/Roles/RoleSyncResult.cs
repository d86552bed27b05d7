namespace PgMove.Core.Schema.Roles;

/// <summary>
/// What the cutover did to roles both servers have: per role, what changed; the changes the target refused; the
/// roles only the target has (reported, never dropped); the LOGIN roles whose passwords could not be compared;
/// the roles whose passwords were set without comparing (the target's hashes unreadable).
/// </summary>
public sealed record RoleSyncResult(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Changed,
    IReadOnlyList<string> Failures,
    IReadOnlyList<string> OnlyOnTarget,
    IReadOnlyList<string> PasswordsNotCompared,
    IReadOnlyList<string> PasswordsSetBlind);
