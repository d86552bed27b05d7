using Npgsql;
using PgMove.Core.Errors;

namespace PgMove.Core.Subscription;

/// <summary>
/// A target user without superuser on a server that ships the <c>aiven_extras</c> extension: its SECURITY DEFINER
/// functions create, list, enable, disable and drop subscriptions, as the managed services document it:
/// <c>pg_create_subscription(name, conninfo, publication, slot, slot_create, copy_data)</c>,
/// <c>pg_list_all_subscriptions()</c>, <c>pg_alter_subscription_enable/disable(name)</c> and
/// <c>pg_drop_subscription(name)</c>, which also drops the slot on the source (through dblink).
/// They take no binary or streaming option: those stay at PostgreSQL's defaults on this path.
/// </summary>
internal sealed class AivenExtrasSubscriptions : ITargetSubscriptions
{
    public const string Extension = "aiven_extras";

    public string Kind => Extension;

    public bool DropNeedsSource => true;

    public async Task CreateAsync(NpgsqlConnection target, string name, string conninfo, string publication, string slot, SubscriptionFeatures features, CancellationToken ct)
    {
        // PgMove created the slot on the source itself: slot_create = false; copy_data = true.
        await using var command = new NpgsqlCommand("SELECT aiven_extras.pg_create_subscription(@name, @conninfo, @publication, @slot, false, true)", target);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("conninfo", conninfo);
        command.Parameters.AddWithValue("publication", publication);
        command.Parameters.AddWithValue("slot", slot);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> ExistsAsync(NpgsqlConnection target, string name, CancellationToken ct)
    {
        // A database where PgMove has not installed the extension yet holds no subscription of ours.
        await using (var installed = new NpgsqlCommand("SELECT pg_catalog.to_regnamespace(@schema) IS NOT NULL", target))
        {
            installed.Parameters.AddWithValue("schema", Extension);
            if (!(bool)(await installed.ExecuteScalarAsync(ct))!)
                return false;
        }
        // Only the name and database are read: the listing also returns the conninfo, password included.
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM aiven_extras.pg_list_all_subscriptions() s WHERE s.subname = @name " +
            "AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))", target);
        command.Parameters.AddWithValue("name", name);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public Task EnableAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        CallAsync(target, "SELECT aiven_extras.pg_alter_subscription_enable(@name)", name, ct);

    public Task DisableAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        CallAsync(target, "SELECT aiven_extras.pg_alter_subscription_disable(@name)", name, ct);

    /// <summary>
    /// <c>pg_alter_subscription_refresh_publication(name, copy_data)</c>, which recent aiven_extras versions offer;
    /// without it a table added on the source cannot join the subscription, and PgMove says so instead of skipping it.
    /// </summary>
    public async Task RefreshAsync(NpgsqlConnection target, string name, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT pg_catalog.to_regprocedure(@function) IS NOT NULL", target))
        {
            exists.Parameters.AddWithValue("function", "aiven_extras.pg_alter_subscription_refresh_publication(text, boolean)");
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                throw new PgMoveException("subscription.refresh_unsupported",
                    $"subscription {name}: the target's aiven_extras extension has no pg_alter_subscription_refresh_publication function, so tables created on the source during the migration cannot be added to the subscription.",
                    "Update the aiven_extras extension on the target (ALTER EXTENSION aiven_extras UPDATE) and run pgmove start again; or stop this migration and use --method relay, which carries DDL.");
        }
        await CallAsync(target, "SELECT aiven_extras.pg_alter_subscription_refresh_publication(@name, true)", name, ct);
    }

    public Task DropAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        CallAsync(target, "SELECT aiven_extras.pg_drop_subscription(@name)", name, ct);

    private static async Task CallAsync(NpgsqlConnection target, string sql, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, target);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(ct);
    }
}
