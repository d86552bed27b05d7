using PgMove.Core.Preflight;

namespace PgMove.Tests.Preflight;

internal static class ReportAssert
{
    /// <summary>Asserts the status of a check and that its message (or fix) contains each expected fragment.</summary>
    public static CheckResult Has(PreflightReport report, string id, CheckStatus status, params string[] fragments)
    {
        var results = report.Results.Where(r => r.Id == id).ToList();
        Assert.True(results.Count > 0, $"No result for {id}. Results:\n{Describe(report)}");
        var match = results.FirstOrDefault(r => r.Status == status);
        Assert.True(match is not null, $"{id}: expected {status}, got {string.Join(", ", results.Select(r => $"{r.Status}: {r.Message}"))}");
        foreach (var fragment in fragments)
            Assert.Contains(fragment, match.Message + " " + match.Fix, StringComparison.Ordinal);
        if (status is CheckStatus.Fail or CheckStatus.Warn)
            Assert.False(string.IsNullOrWhiteSpace(match.Fix), $"{id} has no fix.");
        return match;
    }

    public static string Describe(PreflightReport report) =>
        string.Join('\n', report.Results.Select(r => $"{r.Id} {r.Status}: {r.Message} | {r.Fix}"));
}
