using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight;

/// <summary>Every check's result, in a fixed order.</summary>
public sealed record PreflightReport(MigrationMethod Method, string Source, string Target, IReadOnlyList<CheckResult> Results)
{
    public bool HasFailures => Results.Any(r => r.Status == CheckStatus.Fail);

    public IEnumerable<CheckResult> Failures => Results.Where(r => r.Status == CheckStatus.Fail);

    public int Count(CheckStatus status) => Results.Count(r => r.Status == status);

    public CheckResult? Find(string id) => Results.FirstOrDefault(r => r.Id == id);
}
