namespace PgMove.Core.Preflight.Checks;

/// <summary>The target user creates the databases and the roles of the source.</summary>
internal sealed class TargetPrivilegesCheck : CheckBase
{
    public override string Id => "target.privileges";

    public override CheckNeeds Needs => CheckNeeds.Target;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var target = context.Target!;
        var user = target.CurrentUser;
        if (target.IsSuperuser)
            return Task.FromResult(Pass($"Target user '{user}' is a superuser."));
        var missing = new List<string>();
        if (!target.CanCreateDatabase) missing.Add("CREATEDB");
        if (!target.CanCreateRole) missing.Add("CREATEROLE");
        return Task.FromResult(missing.Count == 0
            ? Pass($"Target user '{user}' can create databases and roles.")
            : Fail($"Target user '{user}' lacks {string.Join(" and ", missing)}; PgMove creates the source's databases and roles on the target.",
                $"ALTER ROLE {Catalog.Identifiers.Quote(user)} {string.Join(" ", missing)}; or connect to the target as a superuser."));
    }
}
