using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Creating a logical slot waits for every running transaction to end: report the long ones.</summary>
internal sealed class OpenTransactionsCheck : CheckBase
{
    public override string Id => "source.open_transactions";

    protected override bool ContinuousOnly => true;

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        await using var connection = await context.OpenSourceAsync(context.Options.Source.Database, ct);
        var open = await CatalogReader.ReadOpenTransactionsAsync(connection, context.Options.LongTransactionSeconds, ct);
        if (open.Count == 0)
            return Pass($"No prepared transactions and none running longer than {context.Options.LongTransactionSeconds} s.");
        var described = open.Select(t => t.Kind == "prepared"
            ? $"prepared transaction '{t.Who}' in {t.Database} ({t.AgeSeconds} s old)"
            : $"transaction of backend {t.Who} in {t.Database} ({t.AgeSeconds} s old)");
        return Warn($"Open transactions would delay the creation of the replication slots: {List(described)}.",
            "Let them finish, COMMIT PREPARED / ROLLBACK PREPARED the prepared ones, or end the backends with pg_terminate_backend(pid).");
    }
}
