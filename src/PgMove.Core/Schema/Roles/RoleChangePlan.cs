namespace PgMove.Core.Schema.Roles;

/// <summary>
/// What the cutover does to roles both servers have: <see cref="Statements"/> in order; the roles only the target
/// has (never dropped, only reported); the LOGIN roles whose passwords could not be compared.
/// </summary>
internal sealed record RoleChangePlan(IReadOnlyList<RoleStatement> Statements, IReadOnlyList<string> OnlyOnTarget, IReadOnlyList<string> PasswordsNotCompared);
