namespace PgMove.Core.Schema.Roles;

/// <summary>
/// One change to a target role. <see cref="Aspect"/> names it for the result ("attributes", "password",
/// "membership in x", "setting x"); <see cref="Blind"/> marks a password set without knowing whether it differed
/// (the target's hashes are unreadable). <see cref="Sql"/> may hold a password hash: never log it.
/// </summary>
internal sealed record RoleStatement(string Role, string Aspect, string Sql, bool Blind = false);
