using PgMove.Core.Copy;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Core.State;
using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>
/// A source or target that refuses writes (a standby, or a read-only default for the server, a database or the
/// role) fails the preflight with the cause and the statement that removes it; a start then creates nothing.
/// </summary>
public sealed class ReadOnlyChecksTests
{
    [SkippableFact]
    public async Task SourceReadOnlyByAlterSystem_CheckExitsOne_StartThrowsAndCreatesNothing()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)", "shop");
        await SetServerReadOnlyAsync(scenario.Source);

        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.read_only", CheckStatus.Fail, "whole server", "ALTER SYSTEM RESET default_transaction_read_only", "pg_reload_conf");
        ReportAssert.Has(report, "target.read_only", CheckStatus.Pass);

        var (code, output, error) = await CliRunner.RunAsync("check", "--source", Uri(scenario.Source), "--target", Uri(scenario.Target));
        Assert.True(code == 1, output + error);
        Assert.Contains("source.read_only", output, StringComparison.Ordinal);

        await AssertStartCreatesNothingAsync(scenario, "source.read_only");

        // The dump method only reads the source: a read-only one suits it.
        var dump = await scenario.RunAsync(MigrationMethod.Dump);
        ReportAssert.Has(dump, "source.read_only", CheckStatus.Pass, "only reads");
    }

    [SkippableFact]
    public async Task SourceDatabaseReadOnly_FailsNamingItWithResetAfterSessionOff_IgnoredItPasses()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE DATABASE open_db");
        await scenario.Source.ExecuteAsync("ALTER DATABASE shop SET default_transaction_read_only = on");

        var report = await scenario.RunAsync();
        var failed = ReportAssert.Has(report, "source.read_only", CheckStatus.Fail,
            "database 'shop'", "SET default_transaction_read_only = off;", "ALTER DATABASE \"shop\" RESET default_transaction_read_only", "pgmove unfreeze");
        Assert.DoesNotContain("open_db", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("whole server", failed.Message, StringComparison.Ordinal);
        await AssertStartCreatesNothingAsync(scenario, "source.read_only");

        // The fix as written works (ALTER DATABASE alone would fail in the read-only session of that database).
        await using (var session = await scenario.Source.OpenAsync("shop"))
        {
            foreach (var sql in new[] { "SET default_transaction_read_only = off", "ALTER DATABASE \"shop\" RESET default_transaction_read_only" })
            {
                await using var command = new Npgsql.NpgsqlCommand(sql, session);
                await command.ExecuteNonQueryAsync();
            }
        }
        ReportAssert.Has(await scenario.RunAsync(), "source.read_only", CheckStatus.Pass);

        // A read-only database that stays behind does not matter.
        await scenario.Source.ExecuteAsync("ALTER DATABASE shop SET default_transaction_read_only = true");
        var ignored = await scenario.RunAsync(configure: o => o with { IgnoreDatabases = ["shop"] });
        ReportAssert.Has(ignored, "source.read_only", CheckStatus.Pass);
    }

    [SkippableFact]
    public async Task SourceRoleReadOnly_FailsNamingTheRole()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE ROLE mover LOGIN SUPERUSER");
        await scenario.Source.ExecuteAsync("ALTER ROLE mover SET default_transaction_read_only = on");
        var report = await scenario.RunAsync(sourceSpec: scenario.Source.Spec(user: "mover"));
        ReportAssert.Has(report, "source.read_only", CheckStatus.Fail, "role 'mover'", "ALTER ROLE \"mover\" RESET default_transaction_read_only");
        // The role's setting binds only that role.
        ReportAssert.Has(await scenario.RunAsync(), "source.read_only", CheckStatus.Pass);
    }

    [SkippableFact]
    public async Task TargetConnectionDatabaseReadOnly_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Target.ExecuteAsync("CREATE DATABASE landing");
        await scenario.Target.ExecuteAsync("ALTER DATABASE landing SET default_transaction_read_only = on");
        var report = await scenario.RunAsync(targetSpec: scenario.Target.Spec("landing"));
        ReportAssert.Has(report, "target.read_only", CheckStatus.Fail, "database 'landing'", "ALTER DATABASE \"landing\" RESET default_transaction_read_only");
        ReportAssert.Has(report, "source.read_only", CheckStatus.Pass);
        Assert.True(report.HasFailures);
        // Another database of the same target is writable.
        ReportAssert.Has(await scenario.RunAsync(), "target.read_only", CheckStatus.Pass);
    }

    [SkippableFact]
    public async Task StandbySourceAndTarget_FailPointingAtThePrimary_StartCreatesNothing()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await MakeStandbyAsync(scenario.Source);
        await MakeStandbyAsync(scenario.Target);

        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.read_only", CheckStatus.Fail, "in recovery", "point --source at the primary");
        ReportAssert.Has(report, "target.read_only", CheckStatus.Fail, "in recovery", "point --target at the primary");
        await AssertStartCreatesNothingAsync(scenario, "source.read_only");
    }

    [SkippableFact]
    public async Task Copy_FromReadOnlyServer_CopiesEveryRow_ReadOnlyDatabaseFails()
    {
        // The dump method passes source.read_only on a read-only server: it must indeed only read it.
        await using var scenario = await Copy.CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g", "shop");

        // A database's own read-only setting travels to the target with its other settings: refused up front.
        await scenario.Source.ExecuteAsync("ALTER DATABASE shop SET default_transaction_read_only = on");
        var refused = await Assert.ThrowsAsync<PreflightFailedException>(() => scenario.CopyAsync());
        ReportAssert.Has(refused.Report, "source.read_only", CheckStatus.Fail, "carry to the target", "ALTER DATABASE \"shop\" RESET");
        Assert.Equal(0, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname = 'shop'"));
        await scenario.Source.ExecuteAsync("ALTER DATABASE shop RESET default_transaction_read_only");

        await SetServerReadOnlyAsync(scenario.Source);
        var recording = await scenario.CopyAsync();
        Assert.True(recording.Result is not null, recording.Describe());
        Assert.Equal(2000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM items", "shop"));
        Assert.Equal("item 2000", await scenario.Target.ScalarAsync<string>("SELECT name FROM items WHERE id = 2000", "shop"));
    }

    [SkippableFact]
    public async Task Copy_FromStandby_CopiesEveryRow()
    {
        await using var scenario = await Copy.CopyScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g", "shop");
        await MakeStandbyAsync(scenario.Source);

        var recording = await scenario.CopyAsync();
        Assert.True(recording.Result is not null, recording.Describe());
        Assert.Equal(2000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM items", "shop"));
    }

    internal static string Uri(PgCluster cluster, string host = "127.0.0.1", string database = "postgres") =>
        $"postgres://postgres@{host}:{cluster.Port}/{database}?sslmode=disable";

    /// <summary>ALTER SYSTEM, reload, and wait until new sessions see it (the postmaster reloads asynchronously).</summary>
    private static async Task SetServerReadOnlyAsync(PgCluster cluster)
    {
        await cluster.ExecuteAsync("ALTER SYSTEM SET default_transaction_read_only = on");
        await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (await cluster.ScalarAsync<string>("SHOW default_transaction_read_only") != "on")
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The server did not reload its configuration.");
            await Task.Delay(100);
        }
    }

    /// <summary>Restarts the cluster as a standby without a primary: it stays in recovery and serves reads.</summary>
    private static async Task MakeStandbyAsync(PgCluster cluster)
    {
        await File.WriteAllTextAsync(Path.Combine(cluster.DataDir, "standby.signal"), "");
        PostgresUser.Chown(cluster.DataDir);
        await cluster.RestartAsync();
        Assert.True(await cluster.ScalarAsync<bool>("SELECT pg_is_in_recovery()"));
    }

    /// <summary>MigrationRunner refuses with the failed check and leaves both servers as they were.</summary>
    private static async Task AssertStartCreatesNothingAsync(PreflightScenario scenario, string failedCheck)
    {
        var before = (await CatalogSnapshot.TakeAsync(scenario.Source), await CatalogSnapshot.TakeAsync(scenario.Target));
        var state = Directory.CreateTempSubdirectory("pgmove-readonly-").FullName;
        try
        {
            using var store = MigrationStore.Open(Path.Combine(state, "state.db"));
            var options = new MigrationOptions { Source = scenario.Source.Spec(), Target = scenario.Target.Spec() };
            var failed = await Assert.ThrowsAsync<PreflightFailedException>(() => MigrationRunner.CreateOrResumeAsync(store, options, CancellationToken.None));
            Assert.Contains(failed.Report.Failures, r => r.Id == failedCheck);
            Assert.Null(store.Latest());
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
        Assert.Equal(before, (await CatalogSnapshot.TakeAsync(scenario.Source), await CatalogSnapshot.TakeAsync(scenario.Target)));
    }
}
