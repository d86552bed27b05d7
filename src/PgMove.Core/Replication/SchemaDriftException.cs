using PgMove.Core.Errors;

namespace PgMove.Core.Replication;

/// <summary>
/// The source's table no longer matches the target's: DDL ran on the source during the migration. Streaming of
/// the database stopped before the source transaction that needs the new shape, everything before it applied.
/// </summary>
/// <param name="statement">The DDL that makes the target match, to run on the target.</param>
public sealed class SchemaDriftException(string database, string table, string what, string statement)
    : PgMoveException("replication.schema_changed",
        $"database {database}, table {table}: the table changed on the source during the migration ({what}); streaming stopped for this database at the first source transaction that needs the new shape (everything before it is applied), so that nothing diverges silently.",
        $"Run on the target, in database {database}: {statement} (the same change as on the source: same type, default and constraints), then pgmove start: streaming resumes at the change that needs it.")
{
    public string Database { get; } = database;

    public string Table { get; } = table;
}
