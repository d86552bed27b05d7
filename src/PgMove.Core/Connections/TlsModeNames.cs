using PgMove.Core.Errors;

namespace PgMove.Core.Connections;

internal static class TlsModeNames
{
    public static TlsMode Parse(string value, string where) => value.Trim().ToLowerInvariant() switch
    {
        "disable" => TlsMode.Disable,
        "allow" => TlsMode.Allow,
        "prefer" => TlsMode.Prefer,
        "require" => TlsMode.Require,
        "verify-ca" => TlsMode.VerifyCa,
        "verify-full" => TlsMode.VerifyFull,
        _ => throw new UsageException(
            "connection.bad_sslmode",
            $"{where}: sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full.",
            "Use sslmode=require (the default), verify-full with sslrootcert, or disable to turn TLS off."),
    };

    public static string ToLibpq(TlsMode mode) => mode switch
    {
        TlsMode.Disable => "disable",
        TlsMode.Allow => "allow",
        TlsMode.Prefer => "prefer",
        TlsMode.Require => "require",
        TlsMode.VerifyCa => "verify-ca",
        TlsMode.VerifyFull => "verify-full",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
