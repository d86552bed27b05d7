namespace PgMove.Tests.Infrastructure;

/// <summary>What PgMove must never leave on a source: its replication slots and publications.</summary>
public static class SourceHygiene
{
    public static async Task AssertCleanAsync(PgCluster source)
    {
        var slots = await source.ColumnAsync("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgmove%'");
        Assert.True(slots.Count == 0, $"Replication slots left on the source: {string.Join(", ", slots)}");
        foreach (var database in await source.ColumnAsync("SELECT datname FROM pg_database WHERE datallowconn"))
        {
            var publications = await source.ColumnAsync("SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgmove%'", database);
            Assert.True(publications.Count == 0, $"Publications left in {database}: {string.Join(", ", publications)}");
        }
    }
}
