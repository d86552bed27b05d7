using System.Globalization;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Every extension of the source must be installable on the target, at the same or a newer version.</summary>
internal sealed class ExtensionsCheck : CheckBase
{
    public override string Id => "target.extensions";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var available = context.TargetExtensions.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var missing = new List<string>();
        var older = new List<string>();
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var facts in context.SourceDatabaseFacts)
        {
            foreach (var extension in facts.Extensions)
            {
                all.Add(extension.Name);
                if (!available.TryGetValue(extension.Name, out var offered))
                {
                    missing.Add($"{extension.Name} {extension.Version} (database {facts.Database.Name})");
                }
                else if (!offered.Versions.Contains(extension.Version) && Compare(offered.DefaultVersion ?? "0", extension.Version) < 0)
                {
                    older.Add($"{extension.Name} {extension.Version} (target offers {offered.DefaultVersion}; database {facts.Database.Name})");
                }
            }
        }
        if (missing.Count == 0 && older.Count == 0)
            return Task.FromResult(Pass(all.Count == 0 ? "The source uses no extensions." : $"The target offers every extension the source uses: {List(all)}."));
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"not available on the target: {List(missing)}");
        if (older.Count > 0) parts.Add($"older on the target: {List(older)}");
        return Task.FromResult(Fail($"Extensions {string.Join("; ", parts)}.",
            "Install the extension packages on the target server (for a managed target, pick one that offers them), or drop the extensions from the source if unused."));
    }

    /// <summary>Compares dotted versions numerically where they are numbers ("1.10" &gt; "1.9").</summary>
    internal static int Compare(string a, string b)
    {
        var left = a.Split('.');
        var right = b.Split('.');
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var l = i < left.Length ? left[i] : "0";
            var r = i < right.Length ? right[i] : "0";
            var order = int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var ln) && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var rn)
                ? ln.CompareTo(rn)
                : string.CompareOrdinal(l, r);
            if (order != 0)
                return order;
        }
        return 0;
    }
}
