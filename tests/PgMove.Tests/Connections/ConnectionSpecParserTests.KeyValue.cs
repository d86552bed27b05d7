using PgMove.Core.Connections;

namespace PgMove.Tests.Connections;

/// <summary>libpq key=value strings: quoting, escapes, unknown keys.</summary>
public sealed partial class ConnectionSpecParserTests
{
    [Fact]
    public void Parse_KeyValue_ReadsEveryKey()
    {
        var spec = Parse("host=db.example.com port=6543 dbname=appdb user=app password=s3cret sslmode=verify-ca sslrootcert=/etc/ca.pem connect_timeout=5");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(6543, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("app", spec.Username);
        Assert.Equal("s3cret", spec.Password);
        Assert.Equal(TlsMode.VerifyCa, spec.SslMode);
        Assert.Equal("/etc/ca.pem", spec.SslRootCert);
        Assert.Equal(5, spec.ConnectTimeoutSeconds);
    }

    [Fact]
    public void Parse_KeyValueQuotedValueWithSpaces_KeepsSpaces()
    {
        var spec = Parse("host=db.example.com user=app password='a b  c' dbname='my db'");

        Assert.Equal("a b  c", spec.Password);
        Assert.Equal("my db", spec.Database);
        Assert.Equal("app", spec.Username);
    }

    [Fact]
    public void Parse_KeyValueEscapedQuoteAndBackslash_AreUnescaped()
    {
        var spec = Parse(@"host=db.example.com password='it\'s a \\ test' user=app");

        Assert.Equal(@"it's a \ test", spec.Password);
        Assert.Equal("app", spec.Username);
    }

    [Fact]
    public void Parse_KeyValueBackslashInUnquotedValue_EscapesNextCharacter()
    {
        var spec = Parse(@"host=db.example.com password=a\ b\\c\'d user=app");

        Assert.Equal(@"a b\c'd", spec.Password);
        Assert.Equal("app", spec.Username);
    }

    [Fact]
    public void Parse_KeyValueEmptyQuotedPassword_IsEmptyPassword()
    {
        var spec = Parse("host=db.example.com user=app password=''", new FakeEnvironment { ["PGPASSWORD"] = "envpass" });

        Assert.Equal("", spec.Password);
    }

    [Fact]
    public void Parse_KeyValueSpacesAroundEquals_AreAllowed()
    {
        var spec = Parse("host = db.example.com   port= 5433 user =app\tdbname\t=\tappdb");

        Assert.Equal("db.example.com", spec.Host);
        Assert.Equal(5433, spec.Port);
        Assert.Equal("app", spec.Username);
        Assert.Equal("appdb", spec.Database);
    }

    [Fact]
    public void Parse_KeyValueRepeatedKey_LastWins()
    {
        var spec = Parse("host=db.example.com port=5433 port=5434");

        Assert.Equal(5434, spec.Port);
    }

    [Fact]
    public void Parse_KeyValueMissingKeys_FilledFromEnvironment()
    {
        var spec = Parse("dbname=appdb", FullEnvironment());

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(6000, spec.Port);
        Assert.Equal("appdb", spec.Database);
        Assert.Equal("envuser", spec.Username);
        Assert.Equal("envpass", spec.Password);
        Assert.Equal(TlsMode.VerifyFull, spec.SslMode);
    }

    [Fact]
    public void Parse_KeyValueEmptyValue_FallsBackToEnvironment()
    {
        var spec = Parse("host='' port=5433", new FakeEnvironment { ["PGHOST"] = "env.example.com" });

        Assert.Equal("env.example.com", spec.Host);
        Assert.Equal(5433, spec.Port);
    }

    [Fact]
    public void Parse_KeyValueNothingAfterEquals_TakesTheNextWordAsValue()
    {
        // As in libpq: blanks after '=' are skipped, so "host= port=5433" sets host to "port=5433".
        var spec = Parse("host= port=5433");

        Assert.Equal("port=5433", spec.Host);
        Assert.Equal(5432, spec.Port);
    }

    [Fact]
    public void Parse_KeyValueUnclosedQuote_FailsWithBadKeyValue()
    {
        var error = ParseFails("host=db.example.com password='abc", "connection.bad_keyvalue");
        Assert.Contains("password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyValueQuoteClosedOnlyByEscape_FailsWithBadKeyValue()
    {
        ParseFails(@"host=db.example.com password='abc\'", "connection.bad_keyvalue");
    }

    [Fact]
    public void Parse_KeyValueKeyWithoutEquals_FailsWithBadKeyValue()
    {
        var error = ParseFails("host=db.example.com dbname", "connection.bad_keyvalue");
        Assert.Contains("'dbname'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host=db.example.com options='-c search_path=evil'", "options")]
    [InlineData("host=db.example.com options=-c search_path=evil", "options")]
    [InlineData("host=db.example.com application_name=x", "application_name")]
    [InlineData("application_name='x y' host=db.example.com", "application_name")]
    [InlineData("host=db.example.com sslcert=/tmp/c.pem", "sslcert")]
    [InlineData("HOST=db.example.com", "HOST")]
    [InlineData("service=prod", "service")]
    public void Parse_KeyValueUnknownParameter_FailsNamingTheKey(string text, string key)
    {
        var error = ParseFails(text, "connection.unknown_parameter");

        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Remove '{key}'", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownParameter_FixListsAcceptedKeys()
    {
        var error = ParseFails("application_name=x", "connection.unknown_parameter");

        Assert.Contains("connect_timeout, dbname, host, passfile, password, port, sslmode, sslrootcert, user", error.Fix, StringComparison.Ordinal);
    }
}
