namespace PgMove.Core.Schema.Roles;

/// <summary>
/// Which target roles the cutover leaves alone: <see cref="ReservedRoles"/>, the role PgMove connects as, the
/// cluster's first superuser, and, when PgMove is not a superuser there, the target's superusers (a managed
/// service's own, which it could not change anyway).
/// </summary>
internal sealed record RoleGuard(string TargetUser, bool TargetIsSuperuser, int TargetVersionNum)
{
    public bool IsProtected(string role, RoleCatalog target) =>
        ReservedRoles.IsReserved(role)
        || role == TargetUser
        || (target.Roles.TryGetValue(role, out var attributes) && (attributes.Bootstrap || (attributes.Superuser && !TargetIsSuperuser)));
}
