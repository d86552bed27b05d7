using PgMove.Core.Catalog;

namespace PgMove.Core.Preflight.Checks;

internal sealed class LargeObjectsCheck : DatabaseCountsCheck
{
    public override string Id => "source.large_objects";

    protected override string What => "large objects";

    protected override string Handling => "Logical replication does not carry large objects: PgMove copies them with the snapshot and copies them again at cutover; changes made between are not streamed.";

    protected override string Fix => "Avoid writing large objects during the migration, or move them into bytea columns.";

    protected override long Count(DatabaseFacts counts) => counts.LargeObjects;
}
