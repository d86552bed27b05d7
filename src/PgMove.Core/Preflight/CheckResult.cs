namespace PgMove.Core.Preflight;

/// <summary>The outcome of one check: a stable id, what was found (naming objects and values), and the fix.</summary>
public sealed record CheckResult(string Id, CheckStatus Status, string Message, string? Fix = null)
{
    public static CheckResult Pass(string id, string message) => new(id, CheckStatus.Pass, message);
    public static CheckResult Warn(string id, string message, string fix) => new(id, CheckStatus.Warn, message, fix);
    public static CheckResult Fail(string id, string message, string fix) => new(id, CheckStatus.Fail, message, fix);
    public static CheckResult Skip(string id, string message) => new(id, CheckStatus.Skip, message);
}
