using Npgsql;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Copy;

/// <summary>
/// The pre-data schema is restored in one transaction (one WAL flush instead of one per statement); a schema with more
/// tables than one transaction can lock on the target (max_locks_per_transaction) is restored statement by statement
/// instead, and arrives whole.
/// </summary>
public sealed class CopyPreDataTests
{
    private const string CreateTables = "DO $$BEGIN FOR i IN 1..1000 LOOP EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY)', i); END LOOP; END$$";

    [SkippableFact]
    public async Task Copy_MoreTablesThanOneTransactionCanLockOnTheTarget_RestoredStatementByStatementAndWhole()
    {
        await using var scenario = await CopyScenario.StartAsync(targetSettings: new Dictionary<string, string>
        {
            ["max_locks_per_transaction"] = "10",
            ["max_connections"] = "12",
        });
        await scenario.Source.ExecuteAsync("CREATE DATABASE many");
        await scenario.Source.ExecuteAsync(CreateTables, "many");
        await scenario.Source.ExecuteAsync("INSERT INTO t1 VALUES (1), (2); INSERT INTO t1000 VALUES (3)", "many");
        // The premise: on this target, one transaction cannot create them all.
        var premise = await Assert.ThrowsAsync<PostgresException>(() => scenario.Target.ExecuteAsync(CreateTables));
        Assert.Equal(PostgresErrorCodes.OutOfMemory, premise.SqlState);

        var run = await scenario.CopyAsync(o => o with { Jobs = 2 });

        var many = Assert.Single(run.Result!.Databases, d => d.Database == "many");
        Assert.True(many.Outcome == "copied", run.Describe());
        Assert.Equal(1000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "many"));
        Assert.Equal(1000, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace", "many"));
        Assert.Equal("1,2,3", await scenario.Target.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM t1 UNION ALL SELECT id FROM t1000) rows", "many"));
    }
}
