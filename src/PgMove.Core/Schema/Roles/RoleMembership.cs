namespace PgMove.Core.Schema.Roles;

/// <summary>One grant of <see cref="Role"/> to <see cref="Member"/>; <see cref="Grantor"/> is null when unknown.</summary>
internal sealed record RoleMembership(string Role, string Member, bool Admin, string? Grantor);
