namespace PgMove.Core.Preflight.Checks;

/// <summary>Relay and subscription need a superuser on the source; the dump method needs to read every table.</summary>
internal sealed class SourcePrivilegesCheck : CheckBase
{
    public override string Id => "source.privileges";

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var source = context.Source!;
        var user = source.CurrentUser;
        if (source.IsSuperuser)
            return Task.FromResult(Pass($"Source user '{user}' is a superuser."));
        if (context.IsContinuous)
            return Task.FromResult(Fail(
                $"Source user '{user}' is not a superuser; the {context.Method.ToString().ToLowerInvariant()} method needs one to create publications FOR ALL TABLES and replication slots.",
                $"Connect as a superuser, or run ALTER ROLE {Catalog.Identifiers.Quote(user)} SUPERUSER; where no superuser can be had, make a one-time copy with pgmove copy."));
        if (source.ReadsAllData)
            return Task.FromResult(Pass($"Source user '{user}' is a member of pg_read_all_data, enough for the dump method."));
        return Task.FromResult(Warn(
            $"Source user '{user}' is neither a superuser nor a member of pg_read_all_data; tables it cannot read will fail the copy.",
            $"GRANT pg_read_all_data TO {Catalog.Identifiers.Quote(user)}; (PostgreSQL 14+), or grant SELECT on every table."));
    }
}
