namespace PgMove.Core.Switch;

/// <summary>What the pre-checks found: the ini and its entries that lead to a migrated source database.</summary>
public sealed record PgBouncerSwitchPlan(string IniPath, IReadOnlyList<PgBouncerIniEntry> Entries)
{
    /// <summary>PgBouncer's names of those databases: what PAUSE and RESUME take.</summary>
    public IReadOnlyList<string> Names => Entries.Select(e => e.Name).Distinct(StringComparer.Ordinal).ToList();
}
