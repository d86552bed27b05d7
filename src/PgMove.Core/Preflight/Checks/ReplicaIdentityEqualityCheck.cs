using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// A subscriber finds the target row of an UPDATE or DELETE on a REPLICA IDENTITY FULL table by comparing every
/// column with its type's equality operator: a column of a type without one (json, xml, point, polygon, ...) makes every
/// such change fail on the target, and the subscription stops.
/// </summary>
internal sealed class ReplicaIdentityEqualityCheck : CheckBase
{
    public override string Id => "source.replica_identity_full";

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Skip("Only the subscription method's apply compares every column of a REPLICA IDENTITY FULL table.");
        var found = new List<string>();
        string? example = null;
        foreach (var database in context.DatabasesToMigrate)
        {
            await using var connection = await context.OpenSourceAsync(database.Name, ct);
            await using var command = new NpgsqlCommand(SqlResources.Get("Catalog/Sql/replica_identity_without_equality.sql"), connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var table = $"{Identifiers.Quote(reader.GetString(0))}.{Identifiers.Quote(reader.GetString(1))}";
                found.Add($"{database.Name}: {table} column {Identifiers.Quote(reader.GetString(2))} ({reader.GetString(3)})");
                example ??= table;
            }
        }
        if (found.Count == 0)
            return Pass("No REPLICA IDENTITY FULL table has a column whose type lacks an equality operator.");
        return Fail(
            $"{found.Count} columns of REPLICA IDENTITY FULL tables have a type without an equality operator, so the subscription cannot find the rows of their UPDATEs and DELETEs on the target (every one would fail): {List(found)}.",
            $"Give each such table a primary key (ALTER TABLE {example} ADD PRIMARY KEY (...)) or a unique index on NOT NULL columns as its replica identity " +
            $"(ALTER TABLE {example} REPLICA IDENTITY USING INDEX ...); or use --method relay.");
    }
}
