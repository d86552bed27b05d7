using PgMove.Core.Text;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Which databases will move; an ignore-list entry that matches nothing is a typo, and fails.</summary>
internal sealed class DatabaseListCheck : IPreflightCheck
{
    public string Id => "source.databases";

    public CheckNeeds Needs => CheckNeeds.Source;

    public Task<IReadOnlyList<CheckResult>> RunAsync(PreflightContext context, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var names = context.SourceDatabases.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var ignored in context.Options.IgnoreDatabases.Where(n => !names.Contains(n)))
        {
            // A failure, not a warning: a misspelt name means the database meant to stay behind would be migrated.
            results.Add(CheckResult.Fail(Id, $"The ignore list names '{ignored}', which is not a database of the source (a misspelt name would migrate the database you meant to leave out).",
                $"Correct the spelling or remove it from --ignore-db; the source has: {string.Join(", ", names.Order(StringComparer.Ordinal))}."));
        }

        var refusing = context.SourceDatabases.Where(d => !d.IsTemplate && !d.AllowsConnections).Select(d => d.Name).ToList();
        var migrate = context.DatabasesToMigrate.Select(d => d.Name).ToList();
        if (migrate.Count == 0)
        {
            results.Add(CheckResult.Fail(Id, "No database is left to migrate after leaving out templates, the ignore list and databases that refuse connections.",
                "Shorten the --ignore-db list."));
        }
        else
        {
            var note = refusing.Count > 0 ? $" Left out because they refuse connections: {string.Join(", ", refusing)}." : "";
            results.Add(CheckResult.Pass(Id, $"{Plural.Of(migrate.Count, "database")} to migrate: {string.Join(", ", migrate)}.{note}"));
        }
        return Task.FromResult<IReadOnlyList<CheckResult>>(results);
    }
}
