namespace PgMove.Core.Preflight;

public enum CheckStatus
{
    Pass,
    Warn,
    Fail,
    /// <summary>Not run: not needed by the method, or a check it depends on failed.</summary>
    Skip,
}
