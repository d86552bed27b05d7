using System.Text;
using NpgsqlTypes;
using PgMove.Core.Replication.Ddl;
using PgMove.Core.Subscription;

namespace PgMove.Tests.Subscription;

/// <summary>The pure parts of the subscription method's captured DDL: what is pending, how it is named, what counts as already made.</summary>
public sealed class SubscriptionDdlUnitTests
{
    private static CapturedDdl Ddl(long id, ulong lsn, string query, string tag = "ALTER TABLE") =>
        new(id, new NpgsqlLogSequenceNumber(lsn), DdlEvent.Parse(Encoding.UTF8.GetBytes(
            $$"""{"event": "ddl_command_end", "tag": "{{tag}}", "query": "{{query}}", "ordinal": 0, "search_path": "public", "role": "postgres", "objects": [], "dropped": []}""")));

    [Fact]
    public void Select_MarksAndBound_KeepsUnmarkedBeforeTheBoundInSourceOrder()
    {
        List<CapturedDdl> captured = [Ddl(3, 300, "ALTER TABLE a ADD COLUMN c int"), Ddl(1, 100, "ALTER TABLE a ADD COLUMN b int"),
            Ddl(2, 200, "ALTER TABLE a ADD COLUMN x int"), Ddl(4, 400, "ALTER TABLE a DROP COLUMN b")];

        var pending = PendingDdl.Select(captured, new HashSet<long> { 2 }, new NpgsqlLogSequenceNumber(400));

        Assert.Equal([1L, 3L], pending.Select(p => p.Id));
    }

    [Fact]
    public void Select_NoBound_EverythingUnmarked()
    {
        List<CapturedDdl> captured = [Ddl(2, 200, "ALTER TABLE a ADD COLUMN x int"), Ddl(1, 100, "CREATE TABLE t (id int)", "CREATE TABLE")];

        Assert.Equal([1L, 2L], PendingDdl.Select(captured, new HashSet<long>(), bound: null).Select(p => p.Id));
    }

    [Fact]
    public void Describe_ManyAndLong_ListsFiveShortenedAndCountsTheRest()
    {
        var captured = Enumerable.Range(1, 7).Select(i => Ddl(i, (ulong)i, $"ALTER TABLE a ADD COLUMN c{i} text DEFAULT '{new string('x', 400)}'")).ToList();

        var text = PendingDdl.Describe(captured);

        Assert.StartsWith("`ALTER TABLE a ADD COLUMN c1 text DEFAULT 'xxx", text, StringComparison.Ordinal);
        Assert.Contains("…` (at source LSN 0/1)", text, StringComparison.Ordinal);
        Assert.EndsWith(" and 2 more", text, StringComparison.Ordinal);
        Assert.DoesNotContain("c6", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Statement_MultiStatementString_NamesTheDdlAsTheTargetRunsIt()
    {
        var ddl = Ddl(1, 1, "SET lock_timeout = '1s';\\n  ALTER TABLE items\\n    ADD COLUMN price numeric DEFAULT 9.5");

        Assert.Equal("ALTER TABLE items ADD COLUMN price numeric DEFAULT 9.5", PendingDdl.Statement(ddl));
    }

    [Theory]
    [InlineData("42701", "ALTER TABLE", true)]   // column exists: added by hand
    [InlineData("42P07", "CREATE TABLE", true)]  // table exists
    [InlineData("42P01", "DROP TABLE", true)]    // gone already
    [InlineData("42P01", "ALTER TABLE", false)]  // the table it changes is missing: a real failure
    [InlineData("42804", "ALTER TABLE", false)]  // a type mismatch
    public void AlreadyOnTarget_BySqlStateAndTag(string sqlState, string tag, bool expected) =>
        Assert.Equal(expected, PendingDdl.AlreadyOnTarget(sqlState, tag));

    [Fact]
    public void ReadCommit_PgOutputCommit_ReadsCommitAndEndPositions()
    {
        byte[] message = [(byte)'C', 0, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x40, 0, 0, 0, 0, 0, 0, 0, 0];

        var (commit, end) = PendingChanges.ReadCommit(message);

        Assert.Equal(new NpgsqlLogSequenceNumber(0x01020304), commit);
        Assert.Equal(new NpgsqlLogSequenceNumber(0x01020340), end);
    }
}
