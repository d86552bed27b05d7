namespace PgMove.Core.Preflight.Checks;

/// <summary>Shared plumbing: a single-result check, and skipping checks a method does not need.</summary>
internal abstract class CheckBase : IPreflightCheck
{
    public abstract string Id { get; }

    public virtual CheckNeeds Needs => CheckNeeds.Source;

    /// <summary>True when the check matters only to the relay and subscription methods.</summary>
    protected virtual bool ContinuousOnly => false;

    public async Task<IReadOnlyList<CheckResult>> RunAsync(PreflightContext context, CancellationToken ct)
    {
        if (ContinuousOnly && !context.IsContinuous)
            return [CheckResult.Skip(Id, $"Not needed by the {context.Method.ToString().ToLowerInvariant()} method.")];
        return [await CheckAsync(context, ct)];
    }

    protected abstract Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct);

    protected CheckResult Pass(string message) => CheckResult.Pass(Id, message);
    protected CheckResult Warn(string message, string fix) => CheckResult.Warn(Id, message, fix);
    protected CheckResult Fail(string message, string fix) => CheckResult.Fail(Id, message, fix);
    protected CheckResult Skip(string message) => CheckResult.Skip(Id, message);

    /// <summary>"a, b, c and 12 more": long lists stay readable in a table.</summary>
    protected static string List(IEnumerable<string> items, int max = 10)
    {
        var all = items.ToList();
        return all.Count <= max ? string.Join(", ", all) : string.Join(", ", all.Take(max)) + $" and {all.Count - max} more";
    }
}
