using PgMove.Core.Replication.Ddl;

namespace PgMove.Tests.Replication.Ddl;

public sealed class DdlPlanTests
{
    private static DdlEvent End(string tag, string query, int ordinal = 0) =>
        new("ddl_command_end", tag, query, ordinal, "public", "postgres", [], null);

    private static DdlEvent Start(string tag, string query, int ordinal = 0) =>
        new("ddl_command_start", tag, query, ordinal, "public", "postgres", [], null);

    [Fact]
    public void For_OneStatement_RunsItAsWritten()
    {
        var plan = DdlPlan.For(End("ALTER TABLE", "ALTER TABLE t ADD COLUMN c int DEFAULT 0;  -- add c\n"));
        Assert.Null(plan.NotCarried);
        Assert.Equal(["ALTER TABLE t ADD COLUMN c int DEFAULT 0"], plan.Statements);
    }

    [Fact]
    public void For_SeveralDdlStatementsInOneString_RunsTheOneOfTheEvent()
    {
        const string query = "BEGIN; SET search_path = s; CREATE TABLE a (x text DEFAULT ';'); CREATE UNIQUE INDEX ON a (x); COMMIT;";
        Assert.Equal(["CREATE TABLE a (x text DEFAULT ';')"], DdlPlan.For(End("CREATE TABLE", query, 0)).Statements);
        Assert.Equal(["CREATE UNIQUE INDEX ON a (x)"], DdlPlan.For(End("CREATE INDEX", query, 1)).Statements);
        Assert.NotNull(DdlPlan.For(End("CREATE INDEX", query, 2)).NotCarried);
    }

    [Fact]
    public void For_TagOfAnotherStatement_IsNotCarried() =>
        // A DDL run by another event trigger while the user's CREATE TABLE ran: it cannot be told which statement it is.
        Assert.Contains("could not be matched", DdlPlan.For(End("CREATE TRIGGER", "CREATE TABLE t (id int)")).NotCarried);

    [Theory]
    [InlineData("ALTER TABLE t ADD COLUMN c int; UPDATE t SET c = 1", "mixes DDL")]
    [InlineData("DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN c int'; END $$", "function, procedure or DO block")]
    [InlineData("SELECT make_partitions()", "function, procedure or DO block")]
    [InlineData("ALTER TABLE t ADD COLUMN c int; COMMIT; ALTER TABLE t ADD COLUMN d int", "commits or rolls back")]
    public void For_WhatCannotBeRepeated_IsNotCarried(string query, string reason) =>
        Assert.Contains(reason, DdlPlan.For(End("ALTER TABLE", query)).NotCarried);

    [Fact]
    public void For_CaptureError_IsNotCarried() =>
        Assert.Contains("capture on the source failed (boom)", DdlPlan.For(End("ALTER TABLE", "ALTER TABLE t ADD c int") with { Error = "boom" }).NotCarried);

    [Theory]
    [InlineData("CREATE TABLE s AS SELECT 1 AS x", "CREATE TABLE s AS SELECT 1 AS x WITH NO DATA")]
    [InlineData("create table s as select * from t with data -- all of it", "create table s as select * from t WITH NO DATA")]
    [InlineData("CREATE TABLE s AS TABLE t WITH NO DATA", "CREATE TABLE s AS TABLE t WITH NO DATA")]
    public void For_CreateTableAs_RunsWithNoData(string query, string expected) =>
        Assert.Equal([expected], DdlPlan.For(Start("CREATE TABLE AS", query)).Statements);

    [Fact]
    public void For_SelectInto_EmptiesTheNewTable() =>
        Assert.Equal(["SELECT id INTO TABLE \"My\".names FROM t", "TRUNCATE ONLY \"My\".names"],
            DdlPlan.For(Start("SELECT INTO", "SELECT id INTO TABLE \"My\".names FROM t")).Statements);

    [Theory]
    [InlineData("CREATE TEMP TABLE s AS SELECT 1", "CREATE TABLE AS")]
    [InlineData("SELECT 1 AS x INTO TEMPORARY s", "SELECT INTO")]
    public void For_TemporaryTable_RunsNothing(string query, string tag)
    {
        var plan = DdlPlan.For(Start(tag, query));
        Assert.Null(plan.NotCarried);
        Assert.Empty(plan.Statements);
    }

    [Theory]
    [InlineData("CREATE INDEX", "CREATE INDEX CONCURRENTLY i ON t (c)", "CREATE INDEX  i ON t (c)")]
    [InlineData("DROP INDEX", "drop index concurrently if exists i", "drop index  if exists i")]
    public void For_Concurrently_RunsThePlainForm(string tag, string query, string expected) =>
        Assert.Equal([expected.TrimEnd()], DdlPlan.For(End(tag, query)).Statements.Select(s => s.TrimEnd()));

    [Fact]
    public void For_DetachPartitionConcurrently_DetachesInTheTransaction_ThenAddsTheBoundAsCheck()
    {
        var plan = DdlPlan.For(End("ALTER TABLE", "ALTER TABLE p DETACH PARTITION \"S\".\"p'1\" CONCURRENTLY"));
        Assert.Null(plan.NotCarried);
        var statement = Assert.Single(plan.Statements);
        Assert.StartsWith("DO $pgmove_detach$", statement, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE p DETACH PARTITION \"S\".\"p'1\" ;", statement, StringComparison.Ordinal);
        Assert.Contains("pg_get_partition_constraintdef('\"S\".\"p''1\"'::pg_catalog.regclass)", statement, StringComparison.Ordinal);
        Assert.Contains("' ADD CHECK (' || bound || ')'", statement, StringComparison.Ordinal);
        Assert.DoesNotContain("CONCURRENTLY", statement, StringComparison.Ordinal);
    }

    [Fact]
    public void For_RolesAndGrantsOfRoles_TakeNoPlaceAmongTheEvents()
    {
        const string query = "CREATE ROLE r; GRANT r TO postgres; GRANT SELECT ON t TO r";
        Assert.Equal(["GRANT SELECT ON t TO r"], DdlPlan.For(End("GRANT", query)).Statements);
    }

    [Fact]
    public void For_AlterTableOnAView_MatchesAlterViewTag() =>
        Assert.Null(DdlPlan.For(End("ALTER VIEW", "ALTER TABLE v RENAME TO w")).NotCarried);

    [Fact]
    public void For_DollarQuotedFunctionBody_IsOneStatement() =>
        Assert.Equal(["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$"],
            DdlPlan.For(End("CREATE FUNCTION", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;")).Statements);

    [Fact]
    public void For_EscapedStringWithSemicolon_IsOneStatement() =>
        Assert.Equal(["COMMENT ON TABLE t IS E'it\\'s; fine'"], DdlPlan.For(End("COMMENT", "COMMENT ON TABLE t IS E'it\\'s; fine';")).Statements);
}
