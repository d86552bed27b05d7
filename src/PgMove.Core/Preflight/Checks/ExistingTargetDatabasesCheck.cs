using PgMove.Core.Catalog;
using PgMove.Core.Text;

namespace PgMove.Core.Preflight.Checks;

/// <summary>PgMove fills empty databases only, unless told to reuse them.</summary>
internal sealed class ExistingTargetDatabasesCheck : CheckBase
{
    public override string Id => "target.existing_databases";

    public override CheckNeeds Needs => CheckNeeds.Both;

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var onTarget = context.TargetDatabases.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var filled = new List<string>();
        var empty = new List<string>();
        var resumable = context.DatabasesToMigrate.Where(d => context.Options.ResumableDatabases.Contains(d.Name)).Select(d => d.Name).ToList();
        foreach (var database in context.DatabasesToMigrate.Where(d => onTarget.Contains(d.Name) && !resumable.Contains(d.Name)))
        {
            await using var connection = await context.OpenTargetAsync(database.Name, ct);
            var tables = await CatalogReader.CountUserTablesAsync(connection, ct);
            if (tables > 0)
                filled.Add($"{database.Name} ({Plural.Of(tables, "table")})");
            else
                empty.Add(database.Name);
        }
        var redo = resumable.Count == 0 ? "" : $" Left unfinished by an earlier PgMove copy, to be dropped and copied again: {List(resumable)}.";
        if (filled.Count == 0)
            return Pass((empty.Count == 0 ? "None of the other databases exists on the target yet." : $"Already on the target but empty (will be filled): {List(empty)}.") + redo);
        if (context.Options.ReuseTargetDatabases)
            return Warn($"Target databases already hold tables: {List(filled)}; they will be reused as asked, and rows already there may conflict.",
                "Make sure these databases hold no rows that the migration will copy.");
        return Fail($"Target databases already hold tables: {List(filled)}.",
            context.Options.OffersReuse
                ? "Drop them on the target (DROP DATABASE ...), exclude them with --ignore-db, or pass --reuse-target-databases if they hold only the schema."
                : "Drop them on the target (DROP DATABASE ...), or exclude them with --ignore-db.");
    }
}
