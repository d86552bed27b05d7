using PgMove.Core.Connections;

namespace PgMove.Tests.Connections;

/// <summary>Password look-up in a libpq password file: wildcards, escapes, comments, first match wins.</summary>
public sealed class PgPassFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string? Find(string[] lines, string host = "db.example.com", int port = 5432, string database = "appdb", string user = "app") =>
        PgPassFile.Find(_dir.Write("pgpass", lines), host, port, database, user);

    [Fact]
    public void Find_ExactMatch_ReturnsPassword()
    {
        Assert.Equal("s3cret", Find(["db.example.com:5432:appdb:app:s3cret"]));
    }

    [Fact]
    public void Find_AllWildcards_MatchAnyConnection()
    {
        Assert.Equal("any", Find(["*:*:*:*:any"], host: "10.0.0.7", port: 6543, database: "other", user: "someone"));
    }

    [Theory]
    [InlineData("*:5432:appdb:app:pw")]
    [InlineData("db.example.com:*:appdb:app:pw")]
    [InlineData("db.example.com:5432:*:app:pw")]
    [InlineData("db.example.com:5432:appdb:*:pw")]
    public void Find_WildcardInOneField_Matches(string line)
    {
        Assert.Equal("pw", Find([line]));
    }

    [Theory]
    [InlineData("other.example.com:5432:appdb:app:pw")]
    [InlineData("db.example.com:5433:appdb:app:pw")]
    [InlineData("db.example.com:5432:otherdb:app:pw")]
    [InlineData("db.example.com:5432:appdb:other:pw")]
    [InlineData("DB.EXAMPLE.COM:5432:appdb:app:pw")]
    [InlineData("db.example.com:5432:appdb:App:pw")]
    public void Find_OneFieldDiffers_ReturnsNull(string line)
    {
        Assert.Null(Find([line]));
    }

    [Fact]
    public void Find_PartialWildcard_IsNotAPattern()
    {
        // Only a whole field of '*' is a wildcard, as in libpq; "db*" is a literal name.
        Assert.Null(Find(["db*:5432:appdb:app:pw"]));
    }

    [Fact]
    public void Find_SeveralMatchingLines_FirstWins()
    {
        var lines = new[]
        {
            "other.example.com:5432:appdb:app:not-this-host",
            "db.example.com:5432:appdb:app:first",
            "*:*:*:*:second",
            "db.example.com:5432:appdb:app:third",
        };
        Assert.Equal("first", Find(lines));
    }

    [Fact]
    public void Find_SpecificLineAfterWildcard_WildcardWins()
    {
        Assert.Equal("wild", Find(["*:*:*:app:wild", "db.example.com:5432:appdb:app:specific"]));
    }

    [Fact]
    public void Find_CommentLines_AreIgnored()
    {
        var lines = new[]
        {
            "# db.example.com:5432:appdb:app:commented",
            "#db.example.com:5432:appdb:app:commented-too",
            "db.example.com:5432:appdb:app:real",
        };
        Assert.Equal("real", Find(lines));
    }

    [Fact]
    public void Find_BlankAndShortLines_AreSkipped()
    {
        var lines = new[]
        {
            "",
            "   ",
            "db.example.com:5432:appdb:app",
            "garbage",
            "db.example.com:5432:appdb:app:ok",
        };
        Assert.Equal("ok", Find(lines));
    }

    [Fact]
    public void Find_EscapedColonAndBackslashInPassword_AreUnescaped()
    {
        Assert.Equal(@"a:b\c", Find([@"db.example.com:5432:appdb:app:a\:b\\c"]));
    }

    [Fact]
    public void Find_EscapedColonsInIpv6Host_MatchTheHost()
    {
        Assert.Equal("v6", Find([@"\:\:1:5432:appdb:app:v6"], host: "::1"));
    }

    [Fact]
    public void Find_EscapedColonAndBackslashInUserAndDatabase_MatchLiterally()
    {
        Assert.Equal("pw", Find([@"db.example.com:5432:my\:db:dom\\user:pw"], database: "my:db", user: @"dom\user"));
    }

    [Fact]
    public void Find_EscapedColonInPattern_DoesNotSplitTheField()
    {
        // "we\:ird" is one field "we:ird", so it must not match user "we" with password "ird:pw".
        Assert.Null(Find([@"db.example.com:5432:appdb:we\:ird:pw"], user: "we"));
    }

    [Fact]
    public void Find_EmptyPasswordField_ReturnsEmptyString()
    {
        Assert.Equal("", Find(["db.example.com:5432:appdb:app:"]));
    }

    [Fact]
    public void Find_WindowsLineEndings_PasswordHasNoCarriageReturn()
    {
        var path = Path.Combine(_dir.Path, "crlf");
        File.WriteAllText(path, "# comment\r\ndb.example.com:5432:appdb:app:pw\r\n");
        Assert.Equal("pw", PgPassFile.Find(path, "db.example.com", 5432, "appdb", "app"));
    }

    [Fact]
    public void Find_NoMatchingLine_ReturnsNull()
    {
        Assert.Null(Find(["a:1:b:c:d", "x:2:y:z:w"]));
    }

    [Fact]
    public void Find_MissingFile_ReturnsNull()
    {
        Assert.Null(PgPassFile.Find(Path.Combine(_dir.Path, "absent"), "db.example.com", 5432, "appdb", "app"));
    }

    [Fact]
    public void Find_PathIsADirectory_ReturnsNull()
    {
        Assert.Null(PgPassFile.Find(_dir.Path, "db.example.com", 5432, "appdb", "app"));
    }

    [Fact]
    public void DefaultPath_PgPassFileSet_ReturnsIt()
    {
        var env = new FakeEnvironment { ["PGPASSFILE"] = "/etc/pgmove/pgpass", HomeDirectory = "/home/app" };
        Assert.Equal("/etc/pgmove/pgpass", PgPassFile.DefaultPath(env));
    }

    [Fact]
    public void DefaultPath_NoPgPassFile_IsDotPgpassInHome()
    {
        var env = new FakeEnvironment { HomeDirectory = "/home/app" };
        Assert.Equal("/home/app/.pgpass", PgPassFile.DefaultPath(env));
    }

    [Fact]
    public void DefaultPath_NoPgPassFileAndNoHome_IsNull()
    {
        Assert.Null(PgPassFile.DefaultPath(new FakeEnvironment()));
    }
}
