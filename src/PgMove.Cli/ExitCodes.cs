namespace PgMove.Cli;

/// <summary>pgmove's exit codes, the same for every verb.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A check failed, data differs, or the work failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line or a connection string is malformed.</summary>
    public const int Usage = 2;
}
