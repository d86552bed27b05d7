using System.Net;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>With the subscription method the target connects to the source, which must listen beyond loopback.</summary>
internal sealed class ListenAddressesCheck : CheckBase
{
    public override string Id => "source.listen_addresses";

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Task.FromResult(Skip("Only the subscription method needs the target to connect to the source."));
        var value = context.Source!.ListenAddresses;
        var addresses = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (addresses.Length == 0)
            return Task.FromResult(Fail("listen_addresses is empty on the source: it accepts no TCP connections.",
                "ALTER SYSTEM SET listen_addresses = '*'; then restart the source, and allow the target's address in pg_hba.conf."));
        if (addresses.Any(a => !IsLoopback(a)))
            return Task.FromResult(Pass($"listen_addresses = '{value}'."));
        if (IsLoopback(context.Options.Source.Host) && IsLoopback(context.Options.Target.Host))
            return Task.FromResult(Pass($"listen_addresses = '{value}' (loopback only), and source and target are on the same host."));
        return Task.FromResult(Fail($"listen_addresses = '{value}' on the source: only local clients can connect, so the target server cannot subscribe.",
            "ALTER SYSTEM SET listen_addresses = '*'; then restart the source, and allow the target's address in pg_hba.conf; or use --method relay, where only PgMove connects to the source."));
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
