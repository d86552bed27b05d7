using PgMove.Core.Errors;

namespace PgMove.Core.Replication;

/// <summary>The source's table no longer matches the target's: DDL ran on the source during the migration.</summary>
public sealed class SchemaDriftException(string database, string table, string what)
    : PgMoveException("replication.schema_changed",
        $"database {database}, table {table}: the table changed on the source during the migration ({what}); streaming stopped for this database so that nothing diverges silently.",
        $"Apply the same DDL to {table} on the target database {database}, then run pgmove start again to resume streaming from where it stopped.")
{
    public string Database { get; } = database;

    public string Table { get; } = table;
}
