using PgMove.Core.Catalog;
using PgMove.Core.Replication;

namespace PgMove.Tests.Replication;

public sealed class GroupBufferTests
{
    // (id int key, qty int, big text)
    private static readonly TargetTable Keyed = new(new QualifiedName("public", "t"), ["id", "qty", "big"], ["integer", "integer", "text"],
        [true, false, false], [false, false, false], FullIdentity: false);

    private static readonly TargetTable Full = Keyed with { IsKey = [true, true, true], FullIdentity = true };

    private static ColumnValue[] Row(string? id, string? qty, string? big) => [V(id), V(qty), V(big)];

    private static ColumnValue V(string? value) => value == "<unchanged>" ? ColumnValue.NotSent : new ColumnValue(value, false);

    private static RowChange Insert(TargetTable table, ColumnValue[] row) => new(RowChangeKind.Insert, table, null, row);

    private static RowChange Update(TargetTable table, ColumnValue[] row, ColumnValue[]? old = null) => new(RowChangeKind.Update, table, old, row);

    private static RowChange Delete(TargetTable table, string id) => new(RowChangeKind.Delete, table, Row(id, null, null), null);

    private static PendingRow Single(GroupBuffer buffer) => Assert.Single(Assert.Single(buffer.Tables).Rows);

    [Fact]
    public void TryAdd_InsertThenUpdates_StaysOneInsertWithTheLatestValuesAndTheInsertedToastValue()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Insert(Keyed, Row("1", "5", "big"))));
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "6", "<unchanged>"))));
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "7", "<unchanged>"))));

        var row = Single(buffer);
        Assert.Equal(PendingRowState.Insert, row.State);
        Assert.Equal(Row("1", "7", "big"), row.Row);
    }

    [Fact]
    public void TryAdd_InsertThenDelete_LeavesNothingToWrite()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Insert(Keyed, Row("1", "5", "x"))));
        Assert.True(buffer.TryAdd(Delete(Keyed, "1")));

        Assert.Empty(Assert.Single(buffer.Tables).Rows);
    }

    [Fact]
    public void TryAdd_DeleteThenInsertThenUpdate_IsOneReplaceWithTheMergedRow()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Delete(Keyed, "1")));
        Assert.True(buffer.TryAdd(Insert(Keyed, Row("1", "5", "x"))));
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "6", "<unchanged>"))));

        var row = Single(buffer);
        Assert.Equal(PendingRowState.Replace, row.State);
        Assert.Equal(Row("1", "6", "x"), row.Row);
    }

    [Fact]
    public void TryAdd_TwoUpdates_MergeAndAColumnNeverSentStaysUnsent()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "5", "<unchanged>"))));
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "<unchanged>", "<unchanged>"))));

        var row = Single(buffer);
        Assert.Equal(PendingRowState.Update, row.State);
        Assert.Equal(Row("1", "5", "<unchanged>"), row.Row);
    }

    [Fact]
    public void TryAdd_UpdateThenDelete_IsADeleteByKey()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Update(Keyed, Row("1", "5", "x"))));
        Assert.True(buffer.TryAdd(Delete(Keyed, "1")));

        var row = Single(buffer);
        Assert.Equal(PendingRowState.Delete, row.State);
        Assert.Equal("1", row.Row[0].Value);
    }

    [Theory]
    [InlineData("insert twice")]
    [InlineData("insert after update")]
    [InlineData("update after delete")]
    [InlineData("delete twice")]
    public void TryAdd_ChangeContradictingTheGroup_IsRefused(string sequence)
    {
        var buffer = new GroupBuffer();
        var (first, second) = sequence switch
        {
            "insert twice" => (Insert(Keyed, Row("1", "1", "x")), Insert(Keyed, Row("1", "2", "x"))),
            "insert after update" => (Update(Keyed, Row("1", "1", "x")), Insert(Keyed, Row("1", "2", "x"))),
            "update after delete" => (Delete(Keyed, "1"), Update(Keyed, Row("1", "2", "x"))),
            _ => (Delete(Keyed, "1"), Delete(Keyed, "1")),
        };
        Assert.True(buffer.TryAdd(first));
        Assert.False(buffer.TryAdd(second));
    }

    [Fact]
    public void TryAdd_UpdateChangingTheKey_IsRefused()
    {
        var buffer = new GroupBuffer();
        Assert.False(buffer.TryAdd(Update(Keyed, Row("2", "1", "x"), old: Row("1", null, null))));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryAdd_NullOrUnsentKey_IsRefused()
    {
        var buffer = new GroupBuffer();
        Assert.False(buffer.TryAdd(Insert(Keyed, Row(null, "1", "x"))));
        Assert.False(buffer.TryAdd(Update(Keyed, Row("<unchanged>", "1", "x"))));
    }

    [Fact]
    public void TryAdd_FullIdentity_InsertsAreKeptUpdatesAndDeletesRefused()
    {
        var buffer = new GroupBuffer();
        Assert.True(buffer.TryAdd(Insert(Full, Row("1", "1", "x"))));
        Assert.True(buffer.TryAdd(Insert(Full, Row("1", "1", "x"))));
        Assert.False(buffer.TryAdd(Update(Full, Row("1", "2", "x"), old: Row("1", "1", "x"))));
        Assert.False(buffer.TryAdd(new RowChange(RowChangeKind.Delete, Full, Row("1", "1", "x"), null)));

        Assert.Equal(2, Assert.Single(buffer.Tables).KeylessInserts.Count);
    }

    [Fact]
    public void Tables_KeepTheOrderTheGroupFirstTouchedThem()
    {
        var other = Keyed with { Name = new QualifiedName("public", "u") };
        var buffer = new GroupBuffer();
        buffer.TryAdd(Insert(other, Row("1", "1", "x")));
        buffer.TryAdd(Insert(Keyed, Row("1", "1", "x")));
        buffer.TryAdd(Insert(other, Row("2", "1", "x")));

        Assert.Equal(["u", "t"], buffer.Tables.Select(t => t.Table.Name.Name));
    }
}
