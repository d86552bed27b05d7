using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Tests.Connections;

/// <summary>libpq's sslmode names, both ways.</summary>
public sealed class TlsModeNamesTests
{
    [Theory]
    [InlineData("disable", TlsMode.Disable)]
    [InlineData("allow", TlsMode.Allow)]
    [InlineData("prefer", TlsMode.Prefer)]
    [InlineData("require", TlsMode.Require)]
    [InlineData("verify-ca", TlsMode.VerifyCa)]
    [InlineData("verify-full", TlsMode.VerifyFull)]
    [InlineData("VERIFY-FULL", TlsMode.VerifyFull)]
    [InlineData(" Require ", TlsMode.Require)]
    public void Parse_LibpqName_ReturnsMode(string name, TlsMode expected)
    {
        Assert.Equal(expected, TlsModeNames.Parse(name, "--target"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("on")]
    [InlineData("true")]
    [InlineData("required")]
    [InlineData("verify_full")]
    [InlineData("verifyfull")]
    public void Parse_UnknownName_FailsWithBadSslMode(string name)
    {
        var error = Assert.Throws<UsageException>(() => TlsModeNames.Parse(name, "--target"));

        Assert.Equal("connection.bad_sslmode", error.Code);
        Assert.Contains("--target", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("verify-full", error.Message, StringComparison.Ordinal);
        Assert.Contains("sslmode=require", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ToLibpq_EveryMode_ParsesBackToItself()
    {
        foreach (var mode in Enum.GetValues<TlsMode>())
            Assert.Equal(mode, TlsModeNames.Parse(TlsModeNames.ToLibpq(mode), "test"));
    }

    [Fact]
    public void ToLibpq_UndefinedMode_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TlsModeNames.ToLibpq((TlsMode)99));
    }
}
