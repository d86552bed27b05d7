namespace PgMove.Core.Connections;

/// <summary>libpq's sslmode values. PgMove defaults to <see cref="Require"/>.</summary>
public enum TlsMode
{
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}
