using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Tests.Connections;

/// <summary><see cref="ConnectionSpecParser.FromFields"/>: DigitalOcean's discrete source fields.</summary>
public sealed partial class ConnectionSpecParserTests
{
    private static ConnectionSpec FromFields(
        string? host = "db.example.com", int? port = 25060, string? dbname = "defaultdb", string? username = "doadmin",
        string? password = "do-pass", bool disableSsl = false, FakeEnvironment? env = null) =>
        ConnectionSpecParser.FromFields(host, port, dbname, username, password, disableSsl, Where, env ?? new FakeEnvironment());

    private static UsageException FromFieldsFails(
        string code, string? host = "db.example.com", int? port = 25060, FakeEnvironment? env = null)
    {
        var error = Assert.Throws<UsageException>(() => FromFields(host: host, port: port, env: env));
        Assert.Equal(code, error.Code);
        Assert.Contains(Where, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void FromFields_AllFieldsDisableSslFalse_RequiresTls()
    {
        var spec = FromFields();

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(25060, spec.Port);
        Assert.Equal("defaultdb", spec.Database);
        Assert.Equal("doadmin", spec.Username);
        Assert.Equal("do-pass", spec.Password);
        Assert.Equal(TlsMode.Require, spec.SslMode);
        Assert.Null(spec.SslRootCert);
        Assert.Equal(10, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void FromFields_DisableSslTrue_DisablesTls()
    {
        Assert.Equal(TlsMode.Disable, FromFields(disableSsl: true).SslMode);
    }

    [Fact]
    public void FromFields_DisableSslTrue_BeatsPgSslMode()
    {
        Assert.Equal(TlsMode.Disable, FromFields(disableSsl: true, env: new FakeEnvironment { ["PGSSLMODE"] = "verify-full" }).SslMode);
    }

    [Fact]
    public void FromFields_MissingFields_FilledFromEnvironment()
    {
        var spec = FromFields(host: "  ", port: null, dbname: "", username: null, password: null, env: FullEnvironment());

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(6000, spec.Port);
        Assert.Equal("envdb", spec.Database);
        Assert.Equal("envuser", spec.Username);
        Assert.Equal("envpass", spec.Password);
        Assert.Equal(TlsMode.VerifyFull, spec.SslMode);
    }

    [Fact]
    public void FromFields_GivenFields_BeatEnvironment()
    {
        var spec = FromFields(env: FullEnvironment());

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(25060, spec.Port);
        Assert.Equal("defaultdb", spec.Database);
        Assert.Equal("doadmin", spec.Username);
        Assert.Equal("do-pass", spec.Password);
    }

    [Fact]
    public void FromFields_NullPassword_ReadsPgPass()
    {
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("pgpass", "db.example.com:25060:defaultdb:doadmin:from-pgpass") };

        Assert.Equal("from-pgpass", FromFields(password: null, env: env).Password);
    }

    [Theory]
    [InlineData("p@ss:w/rd?x")]
    [InlineData("%40 not decoded")]
    [InlineData(@"quote ' and \ backslash")]
    [InlineData("")]
    public void FromFields_Password_KeptVerbatim(string password)
    {
        Assert.Equal(password, FromFields(password: password, env: new FakeEnvironment { ["PGPASSWORD"] = "envpass" }).Password);
    }

    [Fact]
    public void FromFields_FieldsLookingLikeParameters_AreNotParsed()
    {
        var spec = FromFields(dbname: "appdb options=-c", username: "app sslmode=disable");

        Assert.Equal("appdb options=-c", spec.Database);
        Assert.Equal("app sslmode=disable", spec.Username);
        Assert.Equal(TlsMode.Require, spec.SslMode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void FromFields_PortOutOfRange_FailsWithBadPort(int port)
    {
        FromFieldsFails("connection.bad_port", port: port);
    }

    [Fact]
    public void FromFields_UnixSocketHost_FailsWithUnixSocket()
    {
        FromFieldsFails("connection.unix_socket", host: "/var/run/postgresql");
    }

    [Fact]
    public void FromFields_SeveralHosts_FailsWithMultipleHosts()
    {
        FromFieldsFails("connection.multiple_hosts", host: "h1.example.com,h2.example.com");
    }

    [Fact]
    public void FromFields_Ipv6Host_IsKept()
    {
        var spec = FromFields(host: "2001:db8::5");

        Assert.Equal("2001:db8::5", spec.Host);
        Assert.Equal(25060, spec.Port);
    }
}
