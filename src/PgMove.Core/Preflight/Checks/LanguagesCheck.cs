namespace PgMove.Core.Preflight.Checks;

/// <summary>Procedural languages that are not extensions must be created on the target by hand.</summary>
internal sealed class LanguagesCheck : CheckBase
{
    public override string Id => "source.languages";

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var found = context.SourceDatabaseFacts
            .SelectMany(f => f.Languages.Select(l => $"{l} (database {f.Database.Name})"))
            .ToList();
        return Task.FromResult(found.Count == 0
            ? Pass("Every procedural language is plpgsql or comes from an extension (checked with the extensions).")
            : Warn($"Procedural languages not created by an extension: {List(found)}; pg_restore recreates them only if the target has their handler.",
                "Install the language's handler library on the target server before migrating."));
    }
}
