using Npgsql;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// The event triggers that turn each DDL on a source database into a transactional logical decoding message
/// (prefix <see cref="ReplicationNames.DdlMessagePrefix"/>), so that the stream carries the change at its place
/// among the rows. Installed after the slot is created: the copy's snapshot then does not hold them, so pg_dump
/// never carries them to the target. Named after the migration, removed with its slots and publications.
/// </summary>
public static class DdlCapture
{
    /// <summary>Logical decoding messages reach pgoutput from PostgreSQL 14 on.</summary>
    public const int MinimumMajor = 14;

    /// <summary>Installs the capture (replacing one left by an earlier attempt) in the database <paramref name="source"/> is connected to.</summary>
    public static async Task InstallAsync(NpgsqlConnection source, string migrationId, CancellationToken ct)
    {
        await using var transaction = await source.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(Render("Replication/Ddl/Sql/remove_capture.sql", migrationId), source, transaction))
            await command.ExecuteNonQueryAsync(ct);
        await using (var command = new NpgsqlCommand(Render("Replication/Ddl/Sql/install_capture.sql", migrationId), source, transaction))
            await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Removes the capture if it is there (and PgMove's schema on the source once it is empty).</summary>
    public static async Task RemoveAsync(NpgsqlConnection source, string migrationId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Render("Replication/Ddl/Sql/remove_capture.sql", migrationId), source);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Render(string resource, string migrationId)
    {
        var stem = ReplicationNames.DdlCapture(migrationId);
        return SqlResources.Get(resource)
            .Replace("{schema_literal}", Identifiers.Literal(ReplicationNames.BookkeepingSchema), StringComparison.Ordinal)
            .Replace("{schema}", Identifiers.Quote(ReplicationNames.BookkeepingSchema), StringComparison.Ordinal)
            .Replace("{function}", Identifiers.Quote(stem), StringComparison.Ordinal)
            .Replace("{end_trigger}", Identifiers.Quote(stem + "_end"), StringComparison.Ordinal)
            .Replace("{start_trigger}", Identifiers.Quote(stem + "_start"), StringComparison.Ordinal)
            .Replace("{drop_trigger}", Identifiers.Quote(stem + "_drop"), StringComparison.Ordinal)
            .Replace("{prefix}", Identifiers.Literal(ReplicationNames.DdlMessagePrefix), StringComparison.Ordinal);
    }
}
