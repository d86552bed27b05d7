namespace PgMove.Core.Errors;

/// <summary>
/// A failure the user can act on: it names what is wrong, where, and how to fix it.
/// Messages never contain secrets.
/// </summary>
public class PgMoveException : Exception
{
    public PgMoveException(string code, string message, string fix, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Fix = fix;
    }

    /// <summary>A stable machine-readable code such as <c>connection.bad_password</c>.</summary>
    public string Code { get; }

    /// <summary>What the user should do about it.</summary>
    public string Fix { get; }

    public override string ToString() => $"{Code}: {Message} Fix: {Fix}";
}
