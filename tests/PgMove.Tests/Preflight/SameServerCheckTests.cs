using Npgsql;
using PgMove.Core.Connections;
using PgMove.Core.Copy;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Core.State;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>
/// Source and target on one server fail the preflight whatever spelling reaches it (localhost, 127.0.0.1, ::1,
/// another database, another role), even when the databases hold no tables; a start then creates nothing.
/// </summary>
public sealed class SameServerCheckTests
{
    [SkippableFact]
    public async Task SameServer_EverySpelling_FailsNamingIdentifierAndDataDirectory()
    {
        await using var server = await StartDualStackAsync();
        await CreateTablelessDatabaseAsync(server);
        var sysid = await server.ScalarAsync<string>("SELECT system_identifier::text FROM pg_control_system()");

        var spellings = new List<(string Name, ConnectionSpec Target)>
        {
            ("127.0.0.1", server.Spec()),
            ("localhost", server.Spec() with { Host = "localhost" }),
            ("another database", server.Spec("app")),
        };
        if (await ListensOnIpv6LoopbackAsync(server))
            spellings.Add(("::1", server.Spec("app") with { Host = "::1" }));

        foreach (var (name, target) in spellings)
        {
            var report = await RunAsync(server.Spec(), target);
            var failed = ReportAssert.Has(report, "target.same_server", CheckStatus.Fail,
                "source and target are the same PostgreSQL server", $"system identifier {sysid}", $"data directory {server.DataDir}", "Point --target at the new server");
            Assert.True(report.HasFailures, name);
            Assert.False(string.IsNullOrEmpty(failed.Fix));
        }
    }

    [SkippableFact]
    public async Task SameServer_DataDirectoryHiddenFromTheRole_StillFails()
    {
        await using var server = await PgCluster.StartAsync();
        await CreateTablelessDatabaseAsync(server);
        await server.ExecuteAsync("CREATE ROLE plain LOGIN");
        var plain = server.Spec("app", user: "plain") with { Host = "localhost" };

        var oneSide = await RunAsync(server.Spec(), plain);
        ReportAssert.Has(oneSide, "target.same_server", CheckStatus.Fail, "source and target are the same PostgreSQL server");
        var bothSides = await RunAsync(server.Spec(user: "plain"), plain);
        ReportAssert.Has(bothSides, "target.same_server", CheckStatus.Fail, "source and target are the same PostgreSQL server");
    }

    [SkippableFact]
    public async Task TwoServers_Pass()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "target.same_server", CheckStatus.Pass, "different");
    }

    [SkippableFact]
    public async Task SameServer_StartInProcessAndCli_ExitOneLeavingNoSlotNorPublication()
    {
        await using var server = await PgCluster.StartAsync();
        await CreateTablelessDatabaseAsync(server);
        var before = await CatalogSnapshot.TakeAsync(server);
        var state = Directory.CreateTempSubdirectory("pgmove-sameserver-").FullName;
        try
        {
            using (var store = MigrationStore.Open(Path.Combine(state, "inprocess.db")))
            {
                var options = new MigrationOptions { Source = server.Spec(), Target = server.Spec("app") with { Host = "localhost" } };
                var failed = await Assert.ThrowsAsync<PreflightFailedException>(() => MigrationRunner.CreateOrResumeAsync(store, options, CancellationToken.None));
                Assert.Contains(failed.Report.Failures, r => r.Id == "target.same_server");
                Assert.Null(store.Latest());
            }
            Assert.Equal(before, await CatalogSnapshot.TakeAsync(server));

            var (code, output, error) = await CliRunner.RunAsync("start",
                "--source", ReadOnlyChecksTests.Uri(server), "--target", ReadOnlyChecksTests.Uri(server, "localhost", "app"),
                "--state", Path.Combine(state, "cli.db"));
            Assert.True(code == 1, output + error);
            Assert.Contains("target.same_server", output, StringComparison.Ordinal);
            Assert.Contains("nothing was created", error, StringComparison.Ordinal);
            Assert.Equal(before, await CatalogSnapshot.TakeAsync(server));
            await SourceHygiene.AssertCleanAsync(server);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static Task<PreflightReport> RunAsync(ConnectionSpec source, ConnectionSpec target) =>
        PreflightRunner.RunAsync(new PreflightOptions { Source = source, Target = target }, CancellationToken.None);

    /// <summary>A database with functions, a view and a sequence but no table: the target.existing_databases check lets it through.</summary>
    private static async Task CreateTablelessDatabaseAsync(PgCluster server)
    {
        await server.ExecuteAsync("CREATE DATABASE app");
        await server.ExecuteAsync("""
            CREATE SEQUENCE invoice_numbers;
            CREATE FUNCTION next_invoice() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''invoice_numbers'')';
            CREATE VIEW constants AS SELECT 42 AS answer;
            """, "app");
    }

    /// <summary>A cluster that also listens on ::1 (when the machine has it), trusting both loopbacks.</summary>
    private static Task<PgCluster> StartDualStackAsync() => PgCluster.StartAsync(new ClusterOptions
    {
        Settings = new Dictionary<string, string> { ["listen_addresses"] = "'127.0.0.1,::1'" },
        HbaLines =
        [
            "host all all 127.0.0.1/32 trust",
            "host all all ::1/128 trust",
            "host replication all 127.0.0.1/32 trust",
            "host replication all ::1/128 trust",
        ],
    });

    private static async Task<bool> ListensOnIpv6LoopbackAsync(PgCluster server)
    {
        try
        {
            var spec = server.Spec() with { Host = "::1" };
            await using var connection = new NpgsqlConnection(spec.ToNpgsqlConnectionString(pooling: false));
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false; // no IPv6 loopback here: that spelling is not tested
        }
    }
}
