using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

internal sealed class MaterializedViewsCheck : DatabaseCountsCheck
{
    public override string Id => "source.materialized_views";

    protected override string What => "materialized views";

    protected override string Handling => "Logical replication does not carry them: PgMove refreshes them on the target after the copy and again at cutover.";

    protected override string Fix => "Nothing to do; refresh them on the target yourself if you need them fresh before cutover.";

    protected override long Count(DatabaseFacts counts) => counts.MaterializedViews;
}
