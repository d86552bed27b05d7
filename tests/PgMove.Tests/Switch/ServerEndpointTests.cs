using PgMove.Core.Errors;
using PgMove.Core.Switch;

namespace PgMove.Tests.Switch;

/// <summary>The addresses an operator gives for where PgBouncer reaches a server (--pgbouncer-target, --pgbouncer-source).</summary>
public sealed class ServerEndpointTests
{
    [Theory]
    [InlineData("10.0.0.5:5432", "10.0.0.5", 5432)]
    [InlineData("db.internal", "db.internal", 5432)]
    [InlineData(" db.internal:6543 ", "db.internal", 6543)]
    [InlineData("[fd00::5]:5433", "fd00::5", 5433)]
    [InlineData("[fd00::5]", "fd00::5", 5432)]
    public void Parse_HostAndPort_ReadsBoth(string text, string host, int port) =>
        Assert.Equal(new ServerEndpoint(host, port), ServerEndpoint.Parse(text, "--pgbouncer-target"));

    [Theory]
    [InlineData("")]
    [InlineData(":5432")]
    [InlineData("db:0")]
    [InlineData("db:65536")]
    [InlineData("db:port")]
    [InlineData("host=db port=5432")]
    [InlineData("db;drop:5432")]
    [InlineData("[fd00::5")]
    [InlineData("[fd00::5]5433")]
    public void Parse_NotAHostAndPort_UsageErrorNamingTheOption(string text)
    {
        var error = Assert.Throws<UsageException>(() => ServerEndpoint.Parse(text, "--pgbouncer-source"));
        Assert.Equal("usage.bad_address", error.Code);
        Assert.Contains($"--pgbouncer-source '{text}' is not a host and port", error.Message, StringComparison.Ordinal);
        Assert.Contains("10.0.0.5:5432", error.Fix, StringComparison.Ordinal);
    }
}
