using System.Text;
using PgMove.Core.Subscription;

namespace PgMove.Tests.Subscription;

/// <summary>The pure parts of the subscription method: pgoutput Relation messages and the subscription options.</summary>
public sealed class SubscriptionUnitTests
{
    [Fact]
    public void ReadRelation_PgOutputMessage_ReturnsQualifiedName()
    {
        var message = new List<byte> { (byte)'R', 0, 0, 0x40, 0x01 };
        message.AddRange(Encoding.UTF8.GetBytes("shop\0Ünïcode items\0"));
        message.AddRange([(byte)'d', 0, 0]);

        Assert.Equal("shop.Ünïcode items", PendingChanges.ReadRelation([.. message]));
    }

    [Fact]
    public void ReadRelation_EmptyNamespace_IsPgCatalog()
    {
        var message = new List<byte> { (byte)'R', 0, 0, 0, 1, 0 };
        message.AddRange(Encoding.UTF8.GetBytes("pg_class\0"));

        Assert.Equal("pg_catalog.pg_class", PendingChanges.ReadRelation([.. message]));
    }

    [Theory]
    [InlineData(13, 15, "")]
    [InlineData(13, 17, ", run_as_owner = true")]
    [InlineData(15, 13, "")]
    [InlineData(14, 15, ", binary = true, streaming = on")]
    [InlineData(14, 18, ", binary = true, streaming = on, run_as_owner = true")]
    public void Features_ByMajors_BinaryAndStreamingWhereBothSupportThemRunAsOwnerOn16Targets(int source, int target, string expected) =>
        Assert.Equal(expected, SubscriptionFeatures.For(source, target).WithOptions);
}
