using System.Net;
using System.Net.Sockets;
using PgMove.Core.Connections;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>source.connection / target.connection tell the usual causes apart, each with its fix.</summary>
public sealed class ConnectionChecksTests
{
    [SkippableFact]
    public async Task Connection_UnknownHost_FailsWithUnknownHost()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync(sourceSpec: scenario.Source.Spec() with { Host = "no-such-host.invalid" });
        ReportAssert.Has(report, "source.connection", CheckStatus.Fail, "connection.unknown_host", "no-such-host.invalid");
        ReportAssert.Has(report, "source.wal_level", CheckStatus.Skip, "source could not be reached");
        ReportAssert.Has(report, "target.connection", CheckStatus.Pass);
    }

    [SkippableFact]
    public async Task Connection_NothingListening_FailsWithRefused()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync(targetSpec: scenario.Target.Spec() with { Port = FreePorts.Next() });
        ReportAssert.Has(report, "target.connection", CheckStatus.Fail, "connection.refused", "listen_addresses");
    }

    [SkippableFact]
    public async Task Connection_ServerNeverAnswers_FailsWithTimeout()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var report = await scenario.RunAsync(sourceSpec: scenario.Source.Spec() with { Port = port, ConnectTimeoutSeconds = 2 });
        ReportAssert.Has(report, "source.connection", CheckStatus.Fail, "connection.timeout", "firewall");
    }

    [SkippableFact]
    public async Task Connection_WrongPassword_FailsWithBadPasswordAndNeverShowsIt()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { PasswordAuth = true });
        var report = await scenario.RunAsync(sourceSpec: scenario.Source.Spec(password: "Wr0ng-Pa55-9731"));
        ReportAssert.Has(report, "source.connection", CheckStatus.Fail, "connection.bad_password", "'postgres'");
        Assert.DoesNotContain("Wr0ng-Pa55-9731", ReportAssert.Describe(report), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Connection_NoHbaEntry_FailsNamingPgHba()
    {
        var hba = new[] { "host all nobody 127.0.0.1/32 trust" };
        await using var scenario = await PreflightScenario.StartAsync(target: new ClusterOptions { HbaLines = hba });
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "target.connection", CheckStatus.Fail, "connection.no_hba_entry", "pg_hba.conf");
    }

    [SkippableFact]
    public async Task Connection_ServerRequiresTlsButDisabled_FailsWithTlsRequired()
    {
        await using var scenario = await PreflightScenario.StartAsync(source: new ClusterOptions { Ssl = true, RequireSsl = true });
        var report = await scenario.RunAsync(sourceSpec: scenario.Source.Spec(sslMode: TlsMode.Disable));
        ReportAssert.Has(report, "source.connection", CheckStatus.Fail, "connection.tls_required", "sslmode=disable");
    }

    [SkippableFact]
    public async Task Connection_TlsRequiredButServerHasNone_FailsWithTlsUnavailable()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync(targetSpec: scenario.Target.Spec(sslMode: TlsMode.Require));
        ReportAssert.Has(report, "target.connection", CheckStatus.Fail, "connection.tls_unavailable", "ssl");
    }

    [SkippableFact]
    public async Task Connection_TlsOnBothSides_PassesTlsCheck()
    {
        await using var scenario = await PreflightScenario.StartAsync(
            source: new ClusterOptions { Ssl = true, RequireSsl = true, PasswordAuth = true },
            target: new ClusterOptions { Ssl = true });
        var report = await scenario.RunAsync();
        Assert.All(report.Results.Where(r => r.Id == "connection.tls"), r => Assert.Equal(CheckStatus.Pass, r.Status));
        ReportAssert.Has(report, "connection.tls", CheckStatus.Pass, "TLS");
    }

    [SkippableFact]
    public async Task Connection_TlsDisabled_WarnsThatTrafficIsInClear()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "connection.tls", CheckStatus.Warn, "not encrypted");
    }
}
