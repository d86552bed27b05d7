using PgMove.Core.Text;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Which databases will move; an ignore-list entry that matches nothing is reported as a warning.</summary>
internal sealed class DatabaseListCheck : IPreflightCheck
{
    public string Id => "source.databases";

    public CheckNeeds Needs => CheckNeeds.Source;

    public Task<IReadOnlyList<CheckResult>> RunAsync(PreflightContext context, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var names = context.SourceDatabases.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = context.Options.IgnoreDatabases.Where(n => !names.Contains(n)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            // A warning, not a failure: DigitalOcean's own example ignore list ("db0", "db1") names databases a source
            // rarely has, and such a name leaves nothing out. The warning shows the names that do exist, so that a
            // misspelt one (which would migrate the database meant to stay behind) is caught before cutover.
            var quoted = string.Join(", ", unknown.Select(n => $"'{n}'"));
            var existing = context.SourceDatabases.Where(d => !d.IsTemplate).Select(d => d.Name).Order(StringComparer.Ordinal);
            results.Add(CheckResult.Warn(Id, $"The ignore list names {quoted}, which {(unknown.Count == 1 ? "is not a database" : "are not databases")} of the source: nothing is left out for {(unknown.Count == 1 ? "it" : "them")}. The source has: {string.Join(", ", existing)}.",
                "If a name is misspelt, the database meant to stay behind will be migrated: correct the spelling in --ignore-db (ignore_dbs), or remove the name."));
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
