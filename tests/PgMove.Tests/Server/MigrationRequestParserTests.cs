using System.Text;
using PgMove.Core.Migrations;
using PgMove.Server.Api;

namespace PgMove.Tests.Server;

public sealed class MigrationRequestParserTests
{
    private static MigrationRequest Parse(string json) => MigrationRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    private const string Source = "\"source\": {\"host\": \"db.example.com\", \"dbname\": \"defaultdb\", \"port\": 25060, \"username\": \"doadmin\", \"password\": \"s3cret\"}";

    [Fact]
    public void Parse_DigitalOceanBody_IsRelayWithTheIgnoreListAndTls()
    {
        var request = Parse($$"""{{{Source}}, "disable_ssl": false, "ignore_dbs": ["db0", "db1"]}""");
        Assert.Equal(MigrationMethod.Relay, request.Method);
        Assert.Equal(["db0", "db1"], request.IgnoreDatabases);
        Assert.Equal("db.example.com", request.Source.Host);
        Assert.DoesNotContain("s3cret", request.Source.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relay", MigrationMethod.Relay)]
    [InlineData("auto", MigrationMethod.Relay)]
    [InlineData("subscription", MigrationMethod.Subscription)]
    public void Parse_Method_PicksTheMigrationMethod(string method, MigrationMethod expected) =>
        Assert.Equal(expected, Parse($$"""{{{Source}}, "method": "{{method}}"}""").Method);

    [Theory]
    [InlineData("\"dump\"")]
    [InlineData("1")]
    public void Parse_UnknownMethod_IsRefusedNamingTheChoices(string method)
    {
        var error = Assert.ThrowsAny<Exception>(() => Parse($$"""{{{Source}}, "method": {{method}}}"""));
        Assert.Contains("method must be \"relay\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"subscription\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DdlCapture_OnUnlessFalse_RefusedWhenNotABoolean()
    {
        Assert.True(Parse($$"""{{{Source}}}""").CaptureDdl);
        Assert.True(Parse($$"""{{{Source}}, "ddl_capture": true}""").CaptureDdl);
        Assert.False(Parse($$"""{{{Source}}, "ddl_capture": false}""").CaptureDdl);
        var error = Assert.ThrowsAny<Exception>(() => Parse($$"""{{{Source}}, "ddl_capture": "off"}"""));
        Assert.Contains("ddl_capture must be true or false", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(", \"apply_ddl\": true", true)]
    [InlineData(", \"apply_ddl\": null", false)]
    public void Parse_ApplyDdl_ReadAsAFlagDefaultOff(string field, bool expected) =>
        Assert.Equal(expected, Parse($$"""{{{Source}}, "method": "subscription"{{field}}}""").ApplyDdl);

    [Fact]
    public void Parse_ApplyDdlNotABoolean_IsRefused()
    {
        var error = Assert.ThrowsAny<Exception>(() => Parse($$"""{{{Source}}, "apply_ddl": "yes"}"""));
        Assert.Contains("apply_ddl must be true or false", error.Message, StringComparison.Ordinal);
    }
}
