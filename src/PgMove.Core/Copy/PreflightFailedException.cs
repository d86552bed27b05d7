using PgMove.Core.Errors;
using PgMove.Core.Preflight;

namespace PgMove.Core.Copy;

/// <summary>A migration did not start because preflight checks failed; nothing was created.</summary>
public sealed class PreflightFailedException(PreflightReport report)
    : PgMoveException("preflight.failed",
        $"{report.Failures.Count()} preflight checks failed: {string.Join("; ", report.Failures.Select(f => $"{f.Id}: {f.Message}"))}",
        string.Join(" ", report.Failures.Select(f => f.Fix).Distinct()))
{
    public PreflightReport Report { get; } = report;
}
