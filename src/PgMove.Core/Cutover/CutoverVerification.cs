using PgMove.Core.Connections;
using PgMove.Core.Replication;
using PgMove.Core.Verify;

namespace PgMove.Core.Cutover;

/// <summary>The verification a cutover runs before it reports done: every table, counts and checksums.</summary>
public static class CutoverVerification
{
    public static async Task<(bool Equal, string Summary)> VerifyAsync(ConnectionSpec source, ConnectionSpec target, IReadOnlyList<string> databases, CancellationToken ct)
    {
        var report = await VerifyRunner.RunAsync(new VerifyOptions
        {
            Source = source,
            Target = target,
            Databases = databases,
            IgnoreSchemas = [ReplicationNames.BookkeepingSchema],
        }, ct);
        var summary = report.HasDifferences
            ? $"verify: {report.Differences.Count()} of {report.Tables.Count} tables differ: {string.Join(", ", report.Differences.Take(10).Select(d => $"{d.DisplayName} ({d.Detail})"))}"
            : $"verify: {report.Tables.Count} tables in {report.Databases.Count} databases identical ({report.SourceRows:N0} rows).";
        return (!report.HasDifferences, summary);
    }
}
