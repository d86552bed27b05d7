using Npgsql;
using PgMove.Core.Catalog;

namespace PgMove.Core.Subscription;

/// <summary>A superuser on the target: plain CREATE / ALTER / DROP SUBSCRIPTION.</summary>
internal sealed class NativeSubscriptions : ITargetSubscriptions
{
    public string Kind => "CREATE SUBSCRIPTION";

    public bool DropNeedsSource => false;

    public async Task CreateAsync(NpgsqlConnection target, string name, string conninfo, string publication, string slot, SubscriptionFeatures features, CancellationToken ct)
    {
        // CREATE SUBSCRIPTION takes no parameters; the conninfo (with the password) reaches it through a
        // transaction-local setting so that neither the statement text nor log_statement ever shows it.
        await using var transaction = await target.BeginTransactionAsync(ct);
        await using (var set = new NpgsqlCommand("SELECT pg_catalog.set_config('pgmove.conninfo', @conninfo, true)", target, transaction))
        {
            set.Parameters.AddWithValue("conninfo", conninfo);
            await set.ExecuteNonQueryAsync(ct);
        }
        var options = $"create_slot = false, slot_name = %L, copy_data = true{features.WithOptions}";
        var sql = "DO $pgmove$ BEGIN EXECUTE pg_catalog.format(" +
                  $"{Identifiers.Literal($"CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH ({options})")}, " +
                  $"{Identifiers.Literal(name)}, pg_catalog.current_setting('pgmove.conninfo'), {Identifiers.Literal(publication)}, {Identifiers.Literal(slot)}); END $pgmove$";
        await using (var create = new NpgsqlCommand(sql, target, transaction))
            await create.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<bool> ExistsAsync(NpgsqlConnection target, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subname = @name AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))", target);
        command.Parameters.AddWithValue("name", name);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public Task EnableAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        ExecuteAsync(target, $"ALTER SUBSCRIPTION {Identifiers.Quote(name)} ENABLE", ct);

    public Task DisableAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        ExecuteAsync(target, $"ALTER SUBSCRIPTION {Identifiers.Quote(name)} DISABLE", ct);

    /// <summary>Cannot run in a transaction block: sent alone, outside any transaction.</summary>
    public Task RefreshAsync(NpgsqlConnection target, string name, CancellationToken ct) =>
        ExecuteAsync(target, $"ALTER SUBSCRIPTION {Identifiers.Quote(name)} REFRESH PUBLICATION WITH (copy_data = true)", ct);

    /// <summary>Disable, detach the slot, drop: none of these needs the source, so this works while it is down.</summary>
    public async Task DropAsync(NpgsqlConnection target, string name, CancellationToken ct)
    {
        await DisableAsync(target, name, ct);
        await ExecuteAsync(target, $"ALTER SUBSCRIPTION {Identifiers.Quote(name)} SET (slot_name = NONE)", ct);
        await ExecuteAsync(target, $"DROP SUBSCRIPTION {Identifiers.Quote(name)}", ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
