using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>Checks of what the databases hold: keys, large objects, extensions, existing target data.</summary>
public sealed class DatabaseContentChecksTests
{
    [SkippableFact]
    public async Task PrimaryKeys_KeylessTable_FailsNamingTableWithBothFixes()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("""
            CREATE SCHEMA "Sales";
            CREATE TABLE "Sales"."Order Lines" (item text, qty int);
            CREATE TABLE keyed (id int PRIMARY KEY);
            CREATE TABLE full_identity (v text);
            ALTER TABLE full_identity REPLICA IDENTITY FULL;
            """, "shop");
        var report = await scenario.RunAsync();
        var result = ReportAssert.Has(report, "source.primary_keys", CheckStatus.Fail,
            "shop.\"Sales\".\"Order Lines\"", "ADD PRIMARY KEY", "REPLICA IDENTITY FULL");
        Assert.DoesNotContain("keyed", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("full_identity", result.Message, StringComparison.Ordinal);

        var dump = await scenario.RunAsync(MigrationMethod.Dump);
        ReportAssert.Has(dump, "source.primary_keys", CheckStatus.Skip);
    }

    [SkippableFact]
    public async Task NotReplicatedObjects_LargeObjectsUnloggedMatviews_Warn()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE docs");
        await scenario.Source.ExecuteAsync("""
            SELECT lo_from_bytea(0, 'hello'::bytea);
            CREATE UNLOGGED TABLE cache (id int PRIMARY KEY);
            CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM cache;
            """, "docs");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.large_objects", CheckStatus.Warn, "docs (1)", "copies them");
        ReportAssert.Has(report, "source.unlogged_tables", CheckStatus.Warn, "docs (1)", "SET LOGGED");
        ReportAssert.Has(report, "source.materialized_views", CheckStatus.Warn, "docs (1)", "refreshes");
        Assert.False(report.HasFailures, ReportAssert.Describe(report));
    }

    [SkippableFact]
    public async Task DatabaseList_IgnoreListNamesMissingDatabase_WarnsListingTheDatabasesAndLeavesIgnoredOut()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE keep");
        await scenario.Source.ExecuteAsync("CREATE DATABASE skipme");
        await scenario.Source.ExecuteAsync("CREATE DATABASE closed");
        await scenario.Source.ExecuteAsync("ALTER DATABASE closed ALLOW_CONNECTIONS false");
        var report = await scenario.RunAsync(configure: o => o with { IgnoreDatabases = ["skipme", "typo_db", "db1"] });
        var warning = ReportAssert.Has(report, "source.databases", CheckStatus.Warn, "'typo_db', 'db1'", "The source has: closed, keep, postgres, skipme", "misspelt");
        Assert.DoesNotContain("'skipme'", warning.Message, StringComparison.Ordinal);
        Assert.False(report.HasFailures, ReportAssert.Describe(report));
        var pass = ReportAssert.Has(report, "source.databases", CheckStatus.Pass, "2 databases to migrate: keep, postgres", "closed");
        Assert.DoesNotContain("skipme", pass.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task DatabaseList_EverythingIgnored_Fails()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        var report = await scenario.RunAsync(configure: o => o with { IgnoreDatabases = ["postgres"] });
        ReportAssert.Has(report, "source.databases", CheckStatus.Fail, "No database is left");
    }

    [SkippableFact]
    public async Task ExistingTargetDatabase_HoldingTables_FailsUnlessReused()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Target.ExecuteAsync("CREATE DATABASE app");
        await scenario.Target.ExecuteAsync("CREATE TABLE leftover (id int)", "app");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "target.existing_databases", CheckStatus.Fail, "app (1 table)", "DROP DATABASE");
        var reused = await scenario.RunAsync(configure: o => o with { ReuseTargetDatabases = true });
        ReportAssert.Has(reused, "target.existing_databases", CheckStatus.Warn, "app (1 table)");
    }

    [SkippableFact]
    public async Task Languages_NonExtensionLanguage_Warns()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE LANGUAGE plcustom HANDLER plpgsql_call_handler");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.languages", CheckStatus.Warn, "plcustom (database postgres)");
    }

    [SkippableFact]
    public async Task Extensions_MissingOnTarget_FailsNamingExtension()
    {
        // adminpack ships with PostgreSQL 15 and was removed in 17: a real extension the target cannot offer.
        var target = PgInstallations.Find(17);
        Skip.If(target is null && !PgInstallations.IsCi, "PostgreSQL 17 is not installed (scripts/fetch-postgres.sh).");
        await using var scenario = await PreflightScenario.StartAsync(target: new ClusterOptions { Major = 17 });
        var available = await scenario.Target.ColumnAsync("SELECT name FROM pg_available_extensions");
        var candidate = new[] { "adminpack", "old_snapshot", "pg_trgm", "pgcrypto", "hstore" }.FirstOrDefault(e => !available.Contains(e));
        Skip.If(candidate is null, "The PostgreSQL 17 target offers every contrib extension; nothing to miss.");
        await scenario.Source.ExecuteAsync("CREATE DATABASE geo");
        await scenario.Source.ExecuteAsync($"CREATE EXTENSION {candidate}", "geo");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "target.extensions", CheckStatus.Fail, $"{candidate} ", "database geo", "Install the extension");
    }
}
