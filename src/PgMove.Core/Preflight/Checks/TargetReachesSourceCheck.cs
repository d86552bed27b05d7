using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// For the subscription method, asks the target server itself to connect to the source: a subscription is
/// created with connect = true but no slot, inside a transaction that is rolled back, so nothing remains.
/// </summary>
internal sealed class TargetReachesSourceCheck : CheckBase
{
    public override string Id => "target.reaches_source";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Skip("Only the subscription method needs the target to connect to the source.");
        if (!context.Target!.IsSuperuser)
            return Warn("The target user is not a superuser, so PgMove cannot ask the target to test its connection to the source now; it is tested when the subscription is created.",
                "Make sure the target server can open a connection to the source's host and port.");

        var source = context.Options.Source;
        await using var connection = await context.OpenTargetAsync(context.Options.Target.Database, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var name = "pgmove_probe_" + Guid.NewGuid().ToString("N")[..8];
        var sql = $"CREATE SUBSCRIPTION {Identifiers.Quote(name)} CONNECTION {Identifiers.Literal(SubscriptionConninfo.For(source, source.Database))} " +
                  $"PUBLICATION {Identifiers.Quote(name)} WITH (connect = true, create_slot = false, enabled = false, copy_data = false)";
        try
        {
            await using var command = new NpgsqlCommand("SET LOCAL statement_timeout = '30s'", connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(ct);
            return Pass($"The target server connected to the source at {source.Host}:{source.Port}.");
        }
        catch (PostgresException error)
        {
            return Fail($"The target server cannot connect to the source at {source.Host}:{source.Port}: {Redact(error.MessageText, source.Password)}",
                "Give a source host that the target server can reach (not 'localhost' if they are on different machines), open the firewall from the target to the source, and allow the target's address in the source's pg_hba.conf; or use --method relay.");
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
    }

    private static string Redact(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "****", StringComparison.Ordinal);
}
