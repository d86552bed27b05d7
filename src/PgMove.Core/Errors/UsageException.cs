namespace PgMove.Core.Errors;

/// <summary>Input given to PgMove is malformed (a connection string, an option). Exit code 2.</summary>
public sealed class UsageException(string code, string message, string fix)
    : PgMoveException(code, message, fix);
