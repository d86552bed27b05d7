namespace PgMove.Core.Preflight.Checks;

/// <summary>Database locales and libc collations of the source must exist on the target.</summary>
internal sealed class CollationsCheck : CheckBase
{
    public override string Id => "target.collations";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var known = context.TargetLocales.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        bool Has(string locale) => IsBuiltIn(locale) || known.Contains(Normalize(locale));

        var missing = new List<string>();
        foreach (var facts in context.SourceDatabaseFacts)
        {
            var db = facts.Database;
            foreach (var locale in new[] { db.Collate, db.Ctype }.Distinct(StringComparer.Ordinal).Where(l => !Has(l)))
                missing.Add($"locale '{locale}' of database {db.Name}");
            foreach (var (name, provider, locale) in facts.Collations.Where(c => c.Provider == "c" && !Has(c.Locale)))
                missing.Add($"collation {name} ('{locale}') in database {db.Name}");
        }
        return Task.FromResult(missing.Count == 0
            ? Pass("The target knows every locale and collation the source databases use.")
            : Fail($"The target lacks {List(missing)}.",
                "Generate the locales on the target's operating system (e.g. locale-gen, then pg_import_system_collations), or choose a target that has them."));
    }

    private static bool IsBuiltIn(string locale) => locale is "" or "C" or "POSIX" || Normalize(locale) == "c.utf8";

    /// <summary>"en_US.UTF-8" and "en_US.utf8" name the same locale.</summary>
    private static string Normalize(string locale) => locale.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);
}
