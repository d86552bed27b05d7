using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// Since PostgreSQL 16 a subscription applies each table's changes as the table's owner, and refuses a table whose
/// row-level security binds that role (FORCE ROW LEVEL SECURITY). PgMove creates its subscriptions with
/// run_as_owner (the superuser owner bypasses row security) where it can: with CREATE SUBSCRIPTION as a superuser.
/// Through aiven_extras there is no such option, and the tables belong to the target user.
/// </summary>
internal sealed class RowSecurityCheck : CheckBase
{
    public override string Id => "target.row_security";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Skip("Only the subscription method applies changes as the tables' owner.");
        var target = context.Target!;
        if (target.Major < 16)
            return Pass($"The target (PostgreSQL {target.Major}) applies changes as the subscription's owner: row-level security does not stop it.");
        if (target.IsSuperuser)
            return Pass("The subscriptions are created with run_as_owner: their superuser owner applies the changes, unbound by row-level security.");
        if (await BypassesRowSecurityAsync(context, ct))
            return Pass($"Target user '{target.CurrentUser}' owns the tables and has BYPASSRLS: row-level security does not stop the apply.");

        var forced = new List<string>();
        foreach (var database in context.DatabasesToMigrate)
        {
            await using var connection = await context.OpenSourceAsync(database.Name, ct);
            await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/forced_row_security_tables.sql"), connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                forced.Add($"{database.Name}: {Identifiers.Quote(reader.GetString(0))}.{Identifiers.Quote(reader.GetString(1))}");
        }
        if (forced.Count == 0)
            return Pass("No table forces row-level security on its owner.");
        return Fail(
            $"{forced.Count} tables have FORCE ROW LEVEL SECURITY; on the target (PostgreSQL {target.Major}) the subscription would apply their changes as their owner '{target.CurrentUser}', " +
            $"which is not a superuser, and PostgreSQL refuses (\"cannot replicate into relation with row-level security enabled\"): {List(forced)}.",
            "Use --method relay, or connect to the target as a superuser (PgMove then creates the subscriptions with run_as_owner).");
    }

    private static async Task<bool> BypassesRowSecurityAsync(PreflightContext context, CancellationToken ct)
    {
        await using var connection = await context.OpenTargetAsync(context.Options.Target.Database, ct);
        await using var command = new NpgsqlCommand("SELECT rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = CURRENT_USER", connection);
        return await command.ExecuteScalarAsync(ct) is true;
    }
}
