using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Fallback;

/// <summary>
/// What a cutover with fallback needs of the target, checked before anything is paused or frozen: the reverse stream
/// reads the target with a logical slot and a publication FOR ALL TABLES per migrated database. A cutover that could
/// not set its fallback up fails here, with nothing switched.
/// </summary>
public static class FallbackPreflight
{
    public static async Task CheckAsync(ConnectionSpec target, int databases, CancellationToken ct)
    {
        ServerFacts facts;
        await using (var connection = await PgConnector.OpenAsync(target, "target", ct))
            facts = await CatalogReader.ReadServerAsync(connection, ct);
        var problems = new List<string>();
        var fixes = new List<string>();
        if (facts.WalLevel != "logical")
        {
            problems.Add($"wal_level is '{facts.WalLevel}' on the target; the reverse stream needs 'logical'");
            fixes.Add("ALTER SYSTEM SET wal_level = logical; on the target, then restart it (a reload is not enough)");
        }
        if (facts.MaxReplicationSlots - facts.SlotsInUse < databases)
        {
            problems.Add($"only {facts.MaxReplicationSlots - facts.SlotsInUse} replication slots are free on the target (max_replication_slots = {facts.MaxReplicationSlots}, {facts.SlotsInUse} in use); {databases} are needed, one per migrated database");
            fixes.Add($"ALTER SYSTEM SET max_replication_slots = {facts.SlotsInUse + databases + 2}; then restart the target");
        }
        if (facts.MaxWalSenders - facts.WalSendersInUse < databases)
        {
            problems.Add($"only {facts.MaxWalSenders - facts.WalSendersInUse} WAL senders are free on the target (max_wal_senders = {facts.MaxWalSenders}, {facts.WalSendersInUse} in use); {databases} are needed");
            fixes.Add($"ALTER SYSTEM SET max_wal_senders = {facts.WalSendersInUse + databases + 2}; then restart the target");
        }
        // CREATE PUBLICATION ... FOR ALL TABLES is a superuser's right.
        if (!facts.IsSuperuser)
        {
            problems.Add($"the target user {facts.CurrentUser} is not a superuser, which a publication FOR ALL TABLES needs");
            fixes.Add($"ALTER ROLE {Identifiers.Quote(facts.CurrentUser)} SUPERUSER; on the target");
        }
        if (problems.Count > 0)
            throw new PgMoveException("fallback.preflight",
                $"A cutover with --fallback cannot set up the reverse stream: {string.Join("; ", problems)}. Nothing was switched.",
                $"{string.Join("; ", fixes)}; then run the cutover again (or without --fallback, if no way back is wanted).");
    }
}
