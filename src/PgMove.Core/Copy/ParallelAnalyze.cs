using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;

namespace PgMove.Core.Copy;

/// <summary>
/// ANALYZE of what the copy filled, on up to <c>jobs</c> target sessions at once. A database-wide ANALYZE also
/// samples every system catalog, one after the other on one core, which costs about as much as a small database's
/// own tables; here each session analyzes its share of the user relations in one statement (largest first, dealt
/// out in turn so that the shares come out even).
/// </summary>
internal static class ParallelAnalyze
{
    /// <param name="done">Relations the copy analyzed already, table by table: left out.</param>
    public static async Task RunAsync(NpgsqlConnection target, ConnectionSpec targetSpec, int jobs, IReadOnlySet<QualifiedName> done, CancellationToken ct)
    {
        // ANALYZE of a list of relations came with PostgreSQL 11.
        if (target.PostgreSqlVersion.Major < 11)
        {
            await ExecuteAsync(target, "ANALYZE", ct);
            return;
        }
        var relations = new List<string>();
        await using (var command = new NpgsqlCommand(SqlResources.Get("Copy/Sql/relations_to_analyze.sql"), target))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = done.Select(d => d.Schema).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = done.Select(d => d.Name).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                relations.Add(reader.GetString(0));
        }
        if (relations.Count == 0)
            return;
        var shares = Enumerable.Range(0, Math.Clamp(jobs, 1, relations.Count))
            .Select(share => relations.Where((_, i) => i % Math.Clamp(jobs, 1, relations.Count) == share).ToList())
            .ToList();
        await Task.WhenAll(shares.Select(async (share, i) =>
        {
            // The first share runs on the session the caller already has; the others on sessions of their own.
            if (i == 0)
            {
                await ExecuteAsync(target, Statement(share), ct);
                return;
            }
            await using var connection = await PgConnector.OpenAsync(targetSpec, "target", ct);
            await ExecuteAsync(connection, Statement(share), ct);
        }));
    }

    // Names come from the server's own format('%I.%I').
    private static string Statement(List<string> relations) => "ANALYZE " + string.Join(", ", relations);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
