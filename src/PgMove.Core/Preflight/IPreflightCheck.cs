namespace PgMove.Core.Preflight;

/// <summary>One preflight check. It reads facts from the context and creates nothing anywhere.</summary>
public interface IPreflightCheck
{
    /// <summary>Stable id, e.g. <c>source.wal_level</c>.</summary>
    string Id { get; }

    /// <summary>Which servers must be reachable for the check to run.</summary>
    CheckNeeds Needs { get; }

    Task<IReadOnlyList<CheckResult>> RunAsync(PreflightContext context, CancellationToken ct);
}

[Flags]
public enum CheckNeeds
{
    None = 0,
    Source = 1,
    Target = 2,
    Both = Source | Target,
}
