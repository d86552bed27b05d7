using NpgsqlTypes;

namespace PgMove.Core.Cutover;

/// <summary>
/// What a migration method supplies to the one cutover pipeline (<see cref="CutoverPipeline"/>): its databases
/// with their slots and publications, how to hold its apply still so that the slots can be read, how to let it
/// go on again when the cutover is refused, and how to release what it holds once the cutover is verified.
/// </summary>
internal interface ICutoverMethod
{
    IReadOnlyList<CutoverDatabase> Databases { get; }

    /// <summary>
    /// Stops applying and leaves each slot inactive (relay: the streams are already stopped; subscription: the
    /// subscriptions are disabled), so that the slots can be peeked for changes after the cutover's marks.
    /// </summary>
    Task HoldAsync(CancellationToken ct);

    /// <summary>
    /// How far the target has applied this database's changes, by its own record (relay: the applied position kept with
    /// each group; subscription: the replication origin); null when it does not say. The slot's confirmed position may
    /// be behind it: the last acknowledgement can be lost when the stream stops.
    /// </summary>
    Task<NpgsqlLogSequenceNumber?> AppliedUpToAsync(string database, CancellationToken ct);

    /// <summary>Undoes <see cref="HoldAsync"/> when the cutover is refused: the migration goes on syncing.</summary>
    Task ReleaseHoldAsync(CancellationToken ct);

    /// <summary>
    /// Drops every replication object of the method (slots, publications, subscriptions, bookkeeping on the target);
    /// idempotent, so that a cutover interrupted here finishes when run again. Returns notes on what remains, or "".
    /// </summary>
    Task<string> DropReplicationAsync(CancellationToken ct);

    /// <summary>Records the live state in the store (the heartbeat of long steps).</summary>
    void Save();
}
