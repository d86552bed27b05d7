using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

internal sealed class UnloggedTablesCheck : DatabaseCountsCheck
{
    public override string Id => "source.unlogged_tables";

    protected override string What => "unlogged tables";

    protected override string Handling => "Their changes are not in the WAL, so PgMove copies their content once and does not stream later changes.";

    protected override string Fix => "ALTER TABLE ... SET LOGGED on the source if their later changes must reach the target.";

    protected override long Count(DatabaseFacts counts) => counts.UnloggedTables;
}
