using PgMove.Core.Connections;
using PgMove.Core.Replication;
using PgMove.Core.Verify;
using PgMove.Core.Text;

namespace PgMove.Core.Cutover;

/// <summary>The verification a cutover runs before it reports done: every table, counts and checksums.</summary>
public static class CutoverVerification
{
    public static async Task<(bool Equal, string Summary)> VerifyAsync(ConnectionSpec source, ConnectionSpec target, IReadOnlyList<string> databases,
        IReadOnlyDictionary<string, string>? targetSnapshots, CancellationToken ct)
    {
        var report = await VerifyRunner.RunAsync(new VerifyOptions
        {
            Source = source,
            Target = target,
            Databases = databases,
            IgnoreSchemas = [ReplicationNames.BookkeepingSchema],
            TargetSnapshots = targetSnapshots,
        }, ct);
        var summary = report.HasDifferences
            ? $"verify: {report.Differences.Count()} of {Plural.Of(report.Tables.Count, "table")} differ: {string.Join(", ", report.Differences.Take(10).Select(d => $"{d.DisplayName} ({d.Detail})"))}"
            : $"verify: {Plural.Of(report.Tables.Count, "table")} in {Plural.Of(report.Databases.Count, "database")} identical ({Plural.Of(report.SourceRows, "row")}).";
        return (!report.HasDifferences, summary);
    }
}
