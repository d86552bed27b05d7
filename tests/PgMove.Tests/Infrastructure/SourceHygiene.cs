using Npgsql;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// What PgMove must never leave on a source: its replication slots, publications and DDL capture (event triggers, their function, the subscription method's log). Every
/// <see cref="PgCluster"/> runs <see cref="FindLeftoversAsync"/> when it is disposed and fails the test that
/// leaked one, so the whole suite checks it after every test; tests may also assert it at a chosen moment.
/// </summary>
public static class SourceHygiene
{
    public static async Task AssertCleanAsync(PgCluster source)
    {
        var leftovers = await FindLeftoversAsync(source);
        Assert.True(leftovers.Count == 0, $"Left on {source}: {string.Join(", ", leftovers)}");
    }

    /// <summary>PgMove's slots, publications and DDL capture on the cluster (empty when it cannot be reached).</summary>
    public static async Task<List<string>> FindLeftoversAsync(PgCluster cluster)
    {
        var found = new List<string>();
        try
        {
            found.AddRange((await cluster.ColumnAsync("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'")).Select(s => $"slot {s}"));
            foreach (var database in await cluster.ColumnAsync("SELECT datname FROM pg_database WHERE datallowconn"))
            {
                found.AddRange((await cluster.ColumnAsync("SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgmove%'", database))
                    .Select(p => $"publication {p} in database {database}"));
                found.AddRange((await cluster.ColumnAsync("SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'pgmove%'", database))
                    .Select(t => $"event trigger {t} in database {database}"));
                found.AddRange((await cluster.ColumnAsync("SELECT proname FROM pg_proc WHERE proname LIKE 'pgmove%ddl'", database))
                    .Select(f => $"function {f} in database {database}"));
                found.AddRange((await cluster.ColumnAsync("SELECT relname FROM pg_class WHERE relname LIKE 'pgmove%ddl_log'", database))
                    .Select(t => $"DDL log {t} in database {database}"));
            }
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            // A test's pg_hba.conf or password may keep the harness out, or the server is stopped: nothing to check then.
        }
        return found;
    }
}
