namespace PgMove.Core.Schema.Roles;

/// <summary>
/// What ALTER ROLE sets on one role. <see cref="ValidUntil"/> is UTC text ("2030-01-01 00:00:00.000000+00"), null for
/// no expiry (or 'infinity'); <see cref="Bootstrap"/> marks the cluster's first superuser (oid 10).
/// </summary>
internal sealed record RoleAttributes(
    string Name,
    bool Superuser,
    bool Inherit,
    bool CreateRole,
    bool CreateDb,
    bool Login,
    bool Replication,
    bool BypassRls,
    int ConnectionLimit,
    string? ValidUntil,
    bool Bootstrap = false);
