namespace PgMove.Core.Replication;

/// <summary>
/// Names of what PgMove creates, derived from the migration id so that they are recognisable, unique per
/// migration and database, and within PostgreSQL's 63 bytes (slot names: lower-case letters, digits, _).
/// </summary>
public static class ReplicationNames
{
    public const string Prefix = "pgmove_";

    /// <summary>The bookkeeping schema on each target database: the applied LSN lives there.</summary>
    public const string BookkeepingSchema = "_pgmove";

    public static string Publication(string migrationId) => $"{Prefix}{Short(migrationId)}";

    public static string Slot(string migrationId, long databaseOid) => $"{Prefix}{Short(migrationId)}_{databaseOid}";

    /// <summary>The DDL capture's function on the source (in <see cref="BookkeepingSchema"/>) and the stem of its event triggers.</summary>
    public static string DdlCapture(string migrationId) => $"{Prefix}{Short(migrationId)}_ddl";

    /// <summary>The prefix of the logical decoding messages that carry DDL in the stream.</summary>
    public const string DdlMessagePrefix = "pgmove.ddl";

    private static string Short(string migrationId) =>
        new string(migrationId.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray())[..12];
}
