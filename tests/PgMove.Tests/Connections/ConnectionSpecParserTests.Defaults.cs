using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Tests.Connections;

/// <summary>What the PG* variables and built-in defaults fill in, and the values PgMove refuses.</summary>
public sealed partial class ConnectionSpecParserTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Empty_TakesEverythingFromEnvironment(string? text)
    {
        var spec = Parse(text, FullEnvironment());

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(6000, spec.Port);
        Assert.Equal("envdb", spec.Database);
        Assert.Equal("envuser", spec.Username);
        Assert.Equal("envpass", spec.Password);
        Assert.Equal(TlsMode.VerifyFull, spec.SslMode);
        Assert.Equal("/env/ca.pem", spec.SslRootCert);
        Assert.Equal(42, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_NothingGivenAnywhere_UsesDefaults()
    {
        var spec = Parse("", new FakeEnvironment { ["PGUSER"] = "app" });

        Assert.Equal("localhost", spec.Host);
        Assert.Equal(5432, spec.Port);
        Assert.Equal("app", spec.Database);
        Assert.Equal("app", spec.Username);
        Assert.Null(spec.Password);
        Assert.Equal(TlsMode.Require, spec.SslMode);
        Assert.Null(spec.SslRootCert);
        Assert.Equal(10, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_NoUserAnywhere_UsesOperatingSystemUser()
    {
        // As libpq does. This default bypasses IEnvironment; it is the one value the test does not choose.
        var spec = Parse("host=db.example.com");

        Assert.Equal(Environment.UserName, spec.Username);
        Assert.Equal(Environment.UserName, spec.Database);
    }

    [Theory]
    [InlineData("postgres://app@db.example.com/appdb")]
    [InlineData("host=db.example.com user=app dbname=appdb")]
    public void Parse_NoSslModeAnywhere_RequiresTls(string text)
    {
        Assert.Equal(TlsMode.Require, Parse(text).SslMode);
    }

    [Theory]
    [InlineData("postgres://app@db.example.com/appdb?sslmode=disable")]
    [InlineData("host=db.example.com sslmode=disable")]
    [InlineData("host=db.example.com sslmode='disable'")]
    public void Parse_SslModeDisable_DisablesTls(string text)
    {
        Assert.Equal(TlsMode.Disable, Parse(text).SslMode);
    }

    [Fact]
    public void Parse_PgSslModeDisable_DisablesTlsWhenStringIsSilent()
    {
        var spec = Parse("host=db.example.com", new FakeEnvironment { ["PGSSLMODE"] = "disable" });

        Assert.Equal(TlsMode.Disable, spec.SslMode);
    }

    [Fact]
    public void Parse_ExplicitSslMode_BeatsPgSslMode()
    {
        var spec = Parse("postgres://db.example.com/appdb?sslmode=require", new FakeEnvironment { ["PGSSLMODE"] = "disable" });

        Assert.Equal(TlsMode.Require, spec.SslMode);
    }

    [Theory]
    [InlineData("allow", TlsMode.Allow)]
    [InlineData("prefer", TlsMode.Prefer)]
    [InlineData("require", TlsMode.Require)]
    [InlineData("verify-ca", TlsMode.VerifyCa)]
    [InlineData("verify-full", TlsMode.VerifyFull)]
    public void Parse_EachSslMode_IsRead(string name, TlsMode mode)
    {
        Assert.Equal(mode, Parse($"postgres://db.example.com/appdb?sslmode={name}").SslMode);
        Assert.Equal(mode, Parse($"host=db.example.com sslmode={name}").SslMode);
    }

    [Theory]
    [InlineData("postgres://db.example.com/appdb?sslmode=requir", "requir")]
    [InlineData("postgres://db.example.com/appdb?sslmode=on", "on")]
    [InlineData("host=db.example.com sslmode=true", "true")]
    [InlineData("host=db.example.com sslmode=verify_full", "verify_full")]
    public void Parse_BadSslMode_FailsWithBadSslMode(string text, string value)
    {
        var error = ParseFails(text, "connection.bad_sslmode");
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadPgSslMode_FailsWithBadSslMode()
    {
        ParseFails("host=db.example.com", "connection.bad_sslmode", new FakeEnvironment { ["PGSSLMODE"] = "bogus" });
    }

    [Theory]
    [InlineData("postgres://db.example.com:abc/appdb", "abc")]
    [InlineData("postgres://db.example.com:0/appdb", "0")]
    [InlineData("postgres://db.example.com:65536/appdb", "65536")]
    [InlineData("postgres://db.example.com:-1/appdb", "-1")]
    [InlineData("postgres://db.example.com:+5432/appdb", "+5432")]
    [InlineData("postgres://db.example.com:99999999999/appdb", "99999999999")]
    [InlineData("host=db.example.com port=5432x", "5432x")]
    [InlineData("host=db.example.com port='5432 '", "5432 ")]
    [InlineData("host=db.example.com port=5432,5433", "5432,5433")]
    public void Parse_BadPort_FailsWithBadPort(string text, string port)
    {
        var error = ParseFails(text, "connection.bad_port");
        Assert.Contains($"'{port}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadPgPort_FailsWithBadPort()
    {
        ParseFails("host=db.example.com", "connection.bad_port", new FakeEnvironment { ["PGPORT"] = "five" });
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("65535", 65535)]
    [InlineData("05432", 5432)]
    public void Parse_PortAtLimits_IsAccepted(string port, int expected)
    {
        Assert.Equal(expected, Parse($"host=db.example.com port={port}").Port);
    }

    [Theory]
    [InlineData("host=db.example.com connect_timeout=0", "0")]
    [InlineData("host=db.example.com connect_timeout=-5", "-5")]
    [InlineData("host=db.example.com connect_timeout=soon", "soon")]
    [InlineData("postgres://db.example.com/appdb?connect_timeout=1.5", "1.5")]
    [InlineData("host=db.example.com connect_timeout=1025", "1025")]
    [InlineData("host=db.example.com connect_timeout=99999999999", "99999999999")]
    public void Parse_BadConnectTimeout_FailsWithBadTimeout(string text, string value)
    {
        var error = ParseFails(text, "connection.bad_timeout");
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadPgConnectTimeout_FailsWithBadTimeout()
    {
        ParseFails("host=db.example.com", "connection.bad_timeout", new FakeEnvironment { ["PGCONNECT_TIMEOUT"] = "0" });
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("1024", 1024)]
    public void Parse_ConnectTimeoutAtLimits_IsAcceptedAndUsableByNpgsql(string value, int expected)
    {
        var spec = Parse($"host=db.example.com connect_timeout={value}");

        Assert.Equal(expected, spec.ConnectTimeoutSeconds);
        Assert.Equal(expected, new Npgsql.NpgsqlConnectionStringBuilder(spec.ToNpgsqlConnectionString()).Timeout);
    }

    [Theory]
    [InlineData("host=/var/run/postgresql")]
    [InlineData("host='/tmp'")]
    [InlineData("postgres://app@%2Fvar%2Frun%2Fpostgresql/appdb")]
    [InlineData("postgres:///appdb?host=/tmp")]
    public void Parse_UnixSocketHost_FailsWithUnixSocket(string text)
    {
        ParseFails(text, "connection.unix_socket");
    }

    [Fact]
    public void Parse_UnixSocketInPgHost_FailsWithUnixSocket()
    {
        ParseFails("dbname=appdb", "connection.unix_socket", new FakeEnvironment { ["PGHOST"] = "/var/run/postgresql" });
    }

    [Theory]
    [InlineData("postgres://app@h1.example.com:5432,h2.example.com:5432/appdb")]
    [InlineData("postgres://app@h1.example.com,h2.example.com/appdb")]
    [InlineData("host=h1.example.com,h2.example.com")]
    [InlineData("postgres:///appdb?host=h1,h2")]
    public void Parse_SeveralHosts_FailsWithMultipleHosts(string text)
    {
        ParseFails(text, "connection.multiple_hosts");
    }

    [Fact]
    public void Parse_SeveralHostsInPgHost_FailsWithMultipleHosts()
    {
        ParseFails("", "connection.multiple_hosts", new FakeEnvironment { ["PGHOST"] = "h1,h2" });
    }

    [Fact]
    public void Parse_ErrorMessages_NeverContainThePassword()
    {
        var texts = new[]
        {
            "postgres://app:Sup3rS3cret@db.example.com:bad/appdb",
            "postgres://app:Sup3rS3cret@db.example.com/appdb?sslmode=nope",
            "postgres://app:Sup3rS3cret@db.example.com/appdb?application_name=x",
            "host=db.example.com password=Sup3rS3cret sslmode=nope",
            "host=db.example.com password=Sup3rS3cret options=x",
        };
        foreach (var text in texts)
        {
            var error = Assert.Throws<UsageException>(() => Parse(text));
            Assert.DoesNotContain("Sup3rS3cret", error.ToString(), StringComparison.Ordinal);
        }
    }
}
