using System.Globalization;
using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Tests.Connections;

/// <summary>The spec's printed form hides the password; its Npgsql and libpq forms carry PgMove's settings.</summary>
public sealed class ConnectionSpecTests
{
    private static ConnectionSpec Spec(string? password = "Sup3r-S3cret", TlsMode sslMode = TlsMode.Require, string? rootCert = null) => new()
    {
        Host = "db.example.com",
        Port = 6543,
        Database = "appdb",
        Username = "app",
        Password = password,
        SslMode = sslMode,
        SslRootCert = rootCert,
        ConnectTimeoutSeconds = 7,
    };

    public static TheoryData<TlsMode, SslMode, string> TlsModes => new()
    {
        { TlsMode.Disable, SslMode.Disable, "disable" },
        { TlsMode.Allow, SslMode.Allow, "allow" },
        { TlsMode.Prefer, SslMode.Prefer, "prefer" },
        { TlsMode.Require, SslMode.Require, "require" },
        { TlsMode.VerifyCa, SslMode.VerifyCA, "verify-ca" },
        { TlsMode.VerifyFull, SslMode.VerifyFull, "verify-full" },
    };

    [Fact]
    public void Defaults_PortTlsAndTimeout_AreDocumentedValues()
    {
        var spec = new ConnectionSpec { Host = "h", Database = "d", Username = "u" };

        Assert.Equal(5432, spec.Port);
        Assert.Equal(TlsMode.Require, spec.SslMode);
        Assert.Equal(10, spec.ConnectTimeoutSeconds);
        Assert.Null(spec.Password);
        Assert.Null(spec.SslRootCert);
    }

    [Fact]
    public void WithDatabase_OtherDatabase_ChangesOnlyTheDatabase()
    {
        var spec = Spec(rootCert: "/ca.pem");
        var other = spec.WithDatabase("postgres");

        Assert.Equal("postgres", other.Database);
        Assert.Equal(spec with { Database = "postgres" }, other);
        Assert.Equal("appdb", spec.Database);
    }

    // ---- ToString ----

    [Fact]
    public void ToString_Spec_IsUriWithoutPassword()
    {
        Assert.Equal("postgres://app@db.example.com:6543/appdb?sslmode=require", Spec().ToString());
    }

    [Theory]
    [InlineData("Sup3r-S3cret")]
    [InlineData("p@ss:w/rd?x#y%z&a=b")]
    [InlineData("with space 'and' \"quotes\" \\ back")]
    [InlineData("ünïcödé-pässwörd")]
    [InlineData("Password=hunter2;")]
    public void ToString_AnyPassword_NeverAppears(string password)
    {
        var spec = Spec(password);
        var printed = new[]
        {
            spec.ToString(),
            $"{spec}",
            string.Format(CultureInfo.InvariantCulture, "{0}", spec),
            "spec: " + spec,
            (spec, 1).ToString(),
            new { Spec = spec }.ToString()!,
            spec.WithDatabase("postgres").ToString(),
            (spec with { SslMode = TlsMode.Disable }).ToString(),
        };

        foreach (var text in printed)
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(password), text, StringComparison.Ordinal);
            Assert.Contains("db.example.com", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToString_Record_DoesNotUseCompilerGeneratedMemberList()
    {
        // The compiler's record printing would list every property, Password included: "ConnectionSpec { Host = ..., Password = ... }".
        var text = Spec().ToString();

        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("{", text, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(ConnectionSpec), text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Ipv6Host_IsBracketed()
    {
        Assert.Equal("postgres://app@[::1]:5433/appdb?sslmode=require", (Spec() with { Host = "::1", Port = 5433 }).ToString());
    }

    [Fact]
    public void ToString_SpecialCharactersInUserAndDatabase_ArePercentEncoded()
    {
        var spec = Spec() with { Username = "my@user", Database = "my db/x" };

        Assert.Equal("postgres://my%40user@db.example.com:6543/my%20db%2Fx?sslmode=require", spec.ToString());
    }

    [Theory]
    [MemberData(nameof(TlsModes))]
    public void ToString_EachTlsMode_NamesTheLibpqMode(TlsMode mode, SslMode npgsqlMode, string name)
    {
        _ = npgsqlMode;
        Assert.EndsWith($"?sslmode={name}", Spec(sslMode: mode).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_OutputParsedBack_GivesTheSameSpecWithoutPassword()
    {
        var spec = Spec() with { Username = "my@user", Database = "my db", SslMode = TlsMode.VerifyCa };

        var parsed = ConnectionSpecParser.Parse(spec.ToString(), "test", new FakeEnvironment());

        Assert.Equal(spec with { Password = null, ConnectTimeoutSeconds = 10 }, parsed);
    }

    // ---- ToNpgsqlConnectionString ----

    [Fact]
    public void ToNpgsqlConnectionString_Spec_CarriesEveryValueAndPgMoveSettings()
    {
        var builder = new NpgsqlConnectionStringBuilder(Spec(rootCert: "/etc/ca.pem").ToNpgsqlConnectionString());

        Assert.Equal("db.example.com", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("appdb", builder.Database);
        Assert.Equal("app", builder.Username);
        Assert.Equal("Sup3r-S3cret", builder.Password);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("/etc/ca.pem", builder.RootCertificate);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal(0, builder.CommandTimeout);
        Assert.Equal("pgmove", builder.ApplicationName);
        Assert.Equal("-c search_path=", builder.Options);
        Assert.True(builder.Pooling);
        Assert.Null(builder.Passfile);
        Assert.False(builder.IncludeErrorDetail);
    }

    [Theory]
    [MemberData(nameof(TlsModes))]
    public void ToNpgsqlConnectionString_EachTlsMode_MapsToNpgsqlMode(TlsMode mode, SslMode npgsqlMode, string name)
    {
        _ = name;
        var builder = new NpgsqlConnectionStringBuilder(Spec(sslMode: mode).ToNpgsqlConnectionString());

        Assert.Equal(npgsqlMode, builder.SslMode);
    }

    [Fact]
    public void ToNpgsqlConnectionString_PoolingFalse_TurnsPoolingOff()
    {
        Assert.False(new NpgsqlConnectionStringBuilder(Spec().ToNpgsqlConnectionString(pooling: false)).Pooling);
    }

    [Fact]
    public void ToNpgsqlConnectionString_NoPassword_HasNoPassword()
    {
        var text = Spec(password: null).ToNpgsqlConnectionString();

        Assert.Null(new NpgsqlConnectionStringBuilder(text).Password);
        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("a;b=c")]
    [InlineData("quote ' and \" both")]
    [InlineData(" leading and trailing ")]
    [InlineData("Options=-c search_path=evil")]
    public void ToNpgsqlConnectionString_SpecialCharacters_RoundTripWithoutInjection(string value)
    {
        var spec = Spec(password: value) with { Database = value, Username = value };
        var builder = new NpgsqlConnectionStringBuilder(spec.ToNpgsqlConnectionString());

        Assert.Equal(value, builder.Password);
        Assert.Equal(value, builder.Database);
        Assert.Equal(value, builder.Username);
        Assert.Equal("-c search_path=", builder.Options);
        Assert.Equal("pgmove", builder.ApplicationName);
    }

    [Fact]
    public void ToNpgsqlConnectionString_Ipv6Host_IsKept()
    {
        var builder = new NpgsqlConnectionStringBuilder((Spec() with { Host = "::1", Port = 5433 }).ToNpgsqlConnectionString());

        Assert.Equal("::1", builder.Host);
        Assert.Equal(5433, builder.Port);
    }

    // ---- ToLibpqEnvironment ----

    [Fact]
    public void ToLibpqEnvironment_Spec_CarriesEveryValue()
    {
        var env = Spec(rootCert: "/etc/ca.pem").ToLibpqEnvironment();

        Assert.Equal("db.example.com", env["PGHOST"]);
        Assert.Equal("6543", env["PGPORT"]);
        Assert.Equal("appdb", env["PGDATABASE"]);
        Assert.Equal("app", env["PGUSER"]);
        Assert.Equal("Sup3r-S3cret", env["PGPASSWORD"]);
        Assert.Equal("require", env["PGSSLMODE"]);
        Assert.Equal("/etc/ca.pem", env["PGSSLROOTCERT"]);
        Assert.Equal("pgmove", env["PGAPPNAME"]);
        Assert.Equal("7", env["PGCONNECT_TIMEOUT"]);
        Assert.Equal("", env["PGOPTIONS"]);
    }

    [Fact]
    public void ToLibpqEnvironment_NoPassword_OmitsPgPassword()
    {
        var env = Spec(password: null).ToLibpqEnvironment();

        Assert.False(env.ContainsKey("PGPASSWORD"));
        Assert.Equal("app", env["PGUSER"]);
    }

    [Fact]
    public void ToLibpqEnvironment_EmptyPassword_SetsEmptyPgPassword()
    {
        Assert.Equal("", Spec(password: "").ToLibpqEnvironment()["PGPASSWORD"]);
    }

    [Fact]
    public void ToLibpqEnvironment_NoRootCert_OmitsPgSslRootCert()
    {
        Assert.False(Spec().ToLibpqEnvironment().ContainsKey("PGSSLROOTCERT"));
    }

    [Theory]
    [MemberData(nameof(TlsModes))]
    public void ToLibpqEnvironment_EachTlsMode_NamesTheLibpqMode(TlsMode mode, SslMode npgsqlMode, string name)
    {
        _ = npgsqlMode;
        Assert.Equal(name, Spec(sslMode: mode).ToLibpqEnvironment()["PGSSLMODE"]);
    }

    [Fact]
    public void ToLibpqEnvironment_PasswordWithSpecialCharacters_IsVerbatim()
    {
        Assert.Equal("p@ss:w/rd 'x'", Spec(password: "p@ss:w/rd 'x'").ToLibpqEnvironment()["PGPASSWORD"]);
    }
}
