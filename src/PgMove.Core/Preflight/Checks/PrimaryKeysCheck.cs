using PgMove.Core.Text;

namespace PgMove.Core.Preflight.Checks;

/// <summary>UPDATE and DELETE on a table without a key or replica identity cannot be replicated.</summary>
internal sealed class PrimaryKeysCheck : CheckBase
{
    public override string Id => "source.primary_keys";

    protected override bool ContinuousOnly => true;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        var keyless = context.SourceDatabaseFacts
            .SelectMany(f => f.TablesWithoutKey.Select(t => $"{f.Database.Name}.{t}"))
            .ToList();
        if (keyless.Count == 0)
            return Task.FromResult(Pass("Every table has a primary key or a replica identity."));
        var example = context.SourceDatabaseFacts.First(f => f.TablesWithoutKey.Count > 0).TablesWithoutKey[0];
        return Task.FromResult(Fail(
            $"{Plural.Of(keyless.Count, "table")} {(keyless.Count == 1 ? "has" : "have")} no primary key and no replica identity, so {(keyless.Count == 1 ? "its" : "their")} UPDATEs and DELETEs cannot be replicated: {List(keyless)}.",
            $"Add a primary key (ALTER TABLE ... ADD PRIMARY KEY (...)), or, where no column is unique, ALTER TABLE ... REPLICA IDENTITY FULL (slower to replicate). For example: ALTER TABLE {example} REPLICA IDENTITY FULL;"));
    }
}
