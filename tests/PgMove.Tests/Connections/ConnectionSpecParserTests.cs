using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Tests.Connections;

/// <summary>
/// <see cref="ConnectionSpecParser"/>: postgres:// URIs and strings that are neither form here; key=value strings,
/// defaults from the environment, password sources and FromFields in the partial files beside this one.
/// </summary>
public sealed partial class ConnectionSpecParserTests : IDisposable
{
    private const string Where = "--source";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ConnectionSpec Parse(string? text, FakeEnvironment? env = null) =>
        ConnectionSpecParser.Parse(text, Where, env ?? new FakeEnvironment());

    private static UsageException ParseFails(string? text, string code, FakeEnvironment? env = null)
    {
        var error = Assert.Throws<UsageException>(() => Parse(text, env));
        Assert.Equal(code, error.Code);
        Assert.Contains(Where, error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
        return error;
    }

    private static FakeEnvironment FullEnvironment() => new()
    {
        ["PGHOST"] = "env.example.com",
        ["PGPORT"] = "6000",
        ["PGUSER"] = "envuser",
        ["PGDATABASE"] = "envdb",
        ["PGPASSWORD"] = "envpass",
        ["PGSSLMODE"] = "verify-full",
        ["PGSSLROOTCERT"] = "/env/ca.pem",
        ["PGCONNECT_TIMEOUT"] = "42",
    };

    [Fact]
    public void Parse_FullPostgresUri_ReadsEveryPart()
    {
        var spec = Parse("postgres://app:s3cret@db.example.com:6543/appdb?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=7");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(6543, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("app", spec.Username);
        Assert.Equal("s3cret", spec.Password);
        Assert.Equal(TlsMode.VerifyFull, spec.SslMode);
        Assert.Equal("/etc/ca.pem", spec.SslRootCert);
        Assert.Equal(7, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_PostgresqlScheme_ReadsLikePostgres()
    {
        var spec = Parse("postgresql://app:pw@db.example.com:5433/appdb?sslmode=disable");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(5433, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("app", spec.Username);
        Assert.Equal("pw", spec.Password);
        Assert.Equal(TlsMode.Disable, spec.SslMode);
    }

    [Fact]
    public void Parse_UriWithSurroundingWhitespace_IsTrimmed()
    {
        var spec = Parse("  postgres://app@db.example.com/appdb \n");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal("appdb", spec.Database);
    }

    [Theory]
    [InlineData("p@ss")]
    [InlineData("p:ss")]
    [InlineData("p/ss")]
    [InlineData("p?ss")]
    [InlineData("a@b:c/d?e#f%g&h=i j+k")]
    [InlineData("ünïcödé 'q' \"dq\"")]
    public void Parse_PercentEncodedPassword_IsDecoded(string password)
    {
        var spec = Parse($"postgres://app:{Uri.EscapeDataString(password)}@db.example.com:5432/appdb?sslmode=require");

        Assert.Equal(password, spec.Password);
        Assert.Equal("app", spec.Username);
        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(5432, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal(TlsMode.Require, spec.SslMode);
    }

    [Fact]
    public void Parse_HandEncodedPassword_IsDecoded()
    {
        var spec = Parse("postgres://app:p%40ss%3Aw%2Frd%3Fx@db.example.com/appdb");

        Assert.Equal("p@ss:w/rd?x", spec.Password);
        Assert.Equal("db.example.com", spec.Host);
    }

    [Fact]
    public void Parse_PercentEncodedUserAndDatabase_AreDecoded()
    {
        var spec = Parse("postgres://my%40user@db.example.com/my%20db");

        Assert.Equal("my@user", spec.Username);
        Assert.Equal("my db", spec.Database);
    }

    [Fact]
    public void Parse_PlusInUri_StaysPlus()
    {
        // libpq URIs are percent-encoded only; '+' is not a space as in HTML forms.
        var spec = Parse("postgres://app:a+b@db.example.com/appdb");

        Assert.Equal("a+b", spec.Password);
    }

    [Fact]
    public void Parse_UriWithUserAndNoPassword_PasswordFromEnvironment()
    {
        var spec = Parse("postgres://app@db.example.com/appdb", new FakeEnvironment { ["PGPASSWORD"] = "envpass" });

        Assert.Equal("app", spec.Username);
        Assert.Equal("envpass", spec.Password);
    }

    [Fact]
    public void Parse_Ipv6HostWithPort_StripsBrackets()
    {
        var spec = Parse("postgres://app@[::1]:5433/appdb");

        Assert.Equal("::1", spec.Host);
        Assert.Equal(5433, spec.Port);
        Assert.Equal("app", spec.Username);
        Assert.Equal("appdb", spec.Database);
    }

    [Fact]
    public void Parse_Ipv6HostWithoutPort_UsesDefaultPort()
    {
        var spec = Parse("postgresql://app:pw@[2001:db8::5]/appdb");

        Assert.Equal("2001:db8::5", spec.Host);
        Assert.Equal(5432, spec.Port);
        Assert.Equal("pw", spec.Password);
    }

    [Fact]
    public void Parse_Ipv6WithoutClosingBracket_FailsWithBadUri()
    {
        ParseFails("postgres://app@[::1:5433/appdb", "connection.bad_uri");
    }

    [Fact]
    public void Parse_UriWithoutHost_FillsMissingPartsFromEnvironment()
    {
        var spec = Parse("postgres:///appdb", FullEnvironment());

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(6000, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("envuser", spec.Username);
        Assert.Equal("envpass", spec.Password);
        Assert.Equal(TlsMode.VerifyFull, spec.SslMode);
        Assert.Equal("/env/ca.pem", spec.SslRootCert);
        Assert.Equal(42, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_SchemeOnly_TakesEverythingFromEnvironment()
    {
        var spec = Parse("postgres://", FullEnvironment());

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(6000, spec.Port);
        Assert.Equal("envdb", spec.Database);
        Assert.Equal("envuser", spec.Username);
        Assert.Equal("envpass", spec.Password);
    }

    [Fact]
    public void Parse_UriWithEveryPart_IgnoresEnvironment()
    {
        var spec = Parse("postgres://app:pw@db.example.com:5433/appdb?sslmode=disable&sslrootcert=/ca.pem&connect_timeout=3", FullEnvironment());

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(5433, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("app", spec.Username);
        Assert.Equal("pw", spec.Password);
        Assert.Equal(TlsMode.Disable, spec.SslMode);
        Assert.Equal("/ca.pem", spec.SslRootCert);
        Assert.Equal(3, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_UriWithHostOnly_PortFromPgPort()
    {
        var spec = Parse("postgres://app@db.example.com/appdb", new FakeEnvironment { ["PGPORT"] = "7000" });

        Assert.Equal(7000, spec.Port);
    }

    [Fact]
    public void Parse_UriWithoutDatabase_DatabaseIsUserName()
    {
        var spec = Parse("postgres://app@db.example.com");

        Assert.Equal("app", spec.Database);
    }

    [Fact]
    public void Parse_UriWithoutDatabase_DatabaseFromPgDatabase()
    {
        var spec = Parse("postgres://app@db.example.com:5432/", new FakeEnvironment { ["PGDATABASE"] = "envdb" });

        Assert.Equal("envdb", spec.Database);
    }

    [Fact]
    public void Parse_UriWithoutUser_UserFromPgUser()
    {
        var spec = Parse("postgres://db.example.com/appdb", new FakeEnvironment { ["PGUSER"] = "envuser" });

        Assert.Equal("envuser", spec.Username);
        Assert.Equal("db.example.com", spec.Host);
    }

    [Fact]
    public void Parse_UriQueryHostAndPort_AreRead()
    {
        var spec = Parse("postgres:///appdb?host=db.example.com&port=5999&user=app&password=pw&dbname=other");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(5999, spec.Port);
        Assert.Equal("app", spec.Username);
        Assert.Equal("pw", spec.Password);
        Assert.Equal("other", spec.Database);
    }

    [Fact]
    public void Parse_UriPercentEncodedQueryValue_IsDecoded()
    {
        var spec = Parse("postgres://app@db.example.com/appdb?sslrootcert=%2Fetc%2Fmy%20certs%2Fca.pem");

        Assert.Equal("/etc/my certs/ca.pem", spec.SslRootCert);
    }

    [Fact]
    public void Parse_UriQueryParameterWithoutValue_FailsWithBadUri()
    {
        var error = ParseFails("postgres://app@db.example.com/appdb?sslmode", "connection.bad_uri");
        Assert.Contains("sslmode", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://app@db.example.com/appdb?application_name=x", "application_name")]
    [InlineData("postgres://app@db.example.com/appdb?options=-c%20search_path%3Devil", "options")]
    [InlineData("postgres://app@db.example.com/appdb?options=-c search_path=evil", "options")]
    [InlineData("postgres://app@db.example.com/appdb?sslmode=require&application_name=x", "application_name")]
    [InlineData("postgresql://app@db.example.com/appdb?target_session_attrs=any", "target_session_attrs")]
    [InlineData("postgres://app@db.example.com/appdb?SSLMODE=disable", "SSLMODE")]
    public void Parse_UriUnknownParameter_FailsNamingTheKey(string text, string key)
    {
        var error = ParseFails(text, "connection.unknown_parameter");

        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Remove '{key}'", error.Fix, StringComparison.Ordinal);
        Assert.Contains("sslmode", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("db.example.com")]
    [InlineData("db.example.com:5432/appdb")]
    [InlineData("mysql://app@db.example.com/appdb")]
    [InlineData("postgres:/db.example.com/appdb")]
    [InlineData("jdbc:postgresql://db.example.com/appdb?sslmode=require")]
    [InlineData("http://db.example.com/appdb?user=app")]
    public void Parse_NeitherUriNorKeyValue_FailsWithUnrecognized(string text)
    {
        var error = ParseFails(text, "connection.unrecognized");
        Assert.Contains("postgres://", error.Fix, StringComparison.Ordinal);
    }
}
