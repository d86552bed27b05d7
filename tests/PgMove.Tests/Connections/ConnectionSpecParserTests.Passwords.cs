using PgMove.Core.Connections;

namespace PgMove.Tests.Connections;

/// <summary>Where the password comes from: the string, then PGPASSWORD, then the password file.</summary>
public sealed partial class ConnectionSpecParserTests
{
    private const string PassLine = "db.example.com:5432:appdb:app:from-pgpass";

    [Fact]
    public void Parse_ExplicitPassword_BeatsPgPasswordAndPgPass()
    {
        var env = new FakeEnvironment { ["PGPASSWORD"] = "from-env", ["PGPASSFILE"] = _dir.Write("pgpass", PassLine) };

        Assert.Equal("explicit", Parse("postgres://app:explicit@db.example.com/appdb", env).Password);
        Assert.Equal("explicit", Parse("host=db.example.com user=app dbname=appdb password=explicit", env).Password);
    }

    [Fact]
    public void Parse_PgPassword_BeatsPgPass()
    {
        var env = new FakeEnvironment { ["PGPASSWORD"] = "from-env", ["PGPASSFILE"] = _dir.Write("pgpass", PassLine) };

        Assert.Equal("from-env", Parse("postgres://app@db.example.com/appdb", env).Password);
    }

    [Fact]
    public void Parse_NoPasswordGiven_ReadsFileNamedByPgPassFile()
    {
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("pgpass", PassLine) };

        Assert.Equal("from-pgpass", Parse("postgres://app@db.example.com/appdb", env).Password);
    }

    [Fact]
    public void Parse_NoPasswordGiven_ReadsDotPgpassInHomeDirectory()
    {
        _dir.Write(".pgpass", PassLine);
        var env = new FakeEnvironment { HomeDirectory = _dir.Path };

        Assert.Equal("from-pgpass", Parse("host=db.example.com user=app dbname=appdb", env).Password);
    }

    [Fact]
    public void Parse_PgPassFileSet_HomeDirectoryFileIgnored()
    {
        _dir.Write(".pgpass", "*:*:*:*:from-home");
        var env = new FakeEnvironment { HomeDirectory = _dir.Path, ["PGPASSFILE"] = _dir.Write("chosen", PassLine) };

        Assert.Equal("from-pgpass", Parse("postgres://app@db.example.com/appdb", env).Password);
    }

    [Theory]
    [InlineData("host=db.example.com user=app dbname=appdb passfile={0}")]
    [InlineData("host=db.example.com user=app dbname=appdb passfile='{0}'")]
    [InlineData("postgres://app@db.example.com/appdb?passfile={0}")]
    public void Parse_PassfileParameter_BeatsPgPassFile(string template)
    {
        var chosen = _dir.Write("chosen", PassLine);
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("other", "*:*:*:*:from-pgpassfile-variable") };

        Assert.Equal("from-pgpass", Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, chosen), env).Password);
    }

    [Fact]
    public void Parse_PassfileParameterWithoutMatch_PasswordIsNull()
    {
        var chosen = _dir.Write("chosen", "elsewhere:5432:appdb:app:nope");
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("other", "*:*:*:*:from-pgpassfile-variable") };

        Assert.Null(Parse($"host=db.example.com user=app dbname=appdb passfile={chosen}", env).Password);
    }

    [Fact]
    public void Parse_PgPassLookup_UsesValuesResolvedFromEnvironmentAndDefaults()
    {
        // Host from PGHOST, port by default, database defaulting to the user name.
        var env = new FakeEnvironment
        {
            ["PGHOST"] = "env.example.com",
            ["PGPASSFILE"] = _dir.Write("pgpass", "env.example.com:5432:app:app:resolved", "*:*:*:*:fallback"),
        };

        Assert.Equal("resolved", Parse("user=app", env).Password);
    }

    [Fact]
    public void Parse_PgPassLookup_UsesGivenPort()
    {
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("pgpass", "db.example.com:5432:appdb:app:on-5432", "db.example.com:6543:appdb:app:on-6543") };

        Assert.Equal("on-6543", Parse("postgres://app@db.example.com:6543/appdb", env).Password);
    }

    [Fact]
    public void Parse_PgPassWithIpv6Host_Matches()
    {
        var env = new FakeEnvironment { ["PGPASSFILE"] = _dir.Write("pgpass", @"\:\:1:5433:appdb:app:v6") };

        Assert.Equal("v6", Parse("postgres://app@[::1]:5433/appdb", env).Password);
    }

    [Fact]
    public void Parse_NoPasswordAnywhere_PasswordIsNull()
    {
        var env = new FakeEnvironment { HomeDirectory = _dir.Path, ["PGPASSFILE"] = Path.Combine(_dir.Path, "absent") };

        Assert.Null(Parse("postgres://app@db.example.com/appdb", env).Password);
    }
}
