using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Replication;

/// <summary>
/// Reads one database's slot and hands every change to the <see cref="ChangeApplier"/>. Source transactions
/// whose commit is at or before the LSN already recorded on the target are skipped (they were applied before a
/// crash), and the source is told an LSN only once the target has committed it.
/// </summary>
internal sealed class DatabaseStreamer(LogicalReplicationConnection replication, ChangeApplier applier, ApplyStatistics statistics)
{
    /// <summary>How long an open group may wait for more transactions when the stream is idle.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    // Merged set-based writes make big groups cheap; the age bounds the lag, segments bound the memory.
    // A group is written when it commits, while the next one is read. It must stay well within one segment
    // (GroupTransaction.SegmentFull): a full segment is written at once, with the reading stopped meanwhile.
    // 2,500 changes rather than 10,000: the same backlog took pgmove 0.3-0.8 s less CPU (of ~3.5 s), the target
    // no more (bench/drain-replay.sh, 95,000 pgbench transactions; 1,000 was no better). Not profiled; likely the
    // garbage collector: a larger group's rows and arrays live through more collections.
    private const int GroupTransactions = 10000;
    private const int GroupChanges = 2500;
    private static readonly TimeSpan GroupAge = TimeSpan.FromMilliseconds(200);

    // The walsender sends every change as its own small packet. A reader that keeps up would wake once per
    // message, and each wake-up (socket event, thread-pool dispatch, read) costs more CPU than decoding the
    // message: CPU taken from the walsender and the target on a small machine. After a message that had to be
    // waited for, a short pause lets the next read take everything sent meanwhile in one go.
    private static readonly TimeSpan BatchPause = TimeSpan.FromMilliseconds(1);

    public async Task RunAsync(PgOutputReplicationSlot slot, string publication, NpgsqlLogSequenceNumber applied, CancellationToken ct)
    {
        statistics.ConfirmedLsn = applied;
        // Logical decoding messages (PostgreSQL 14+) let a cutover mark a point in each database's stream, and
        // carry the source's DDL (DdlCapture). Without any, the stream is the same as without the option.
        var options = new PgOutputReplicationOptions(publication, PgOutputProtocolVersion.V1, binary: false,
            messages: replication.PostgreSqlVersion.Major >= 14 ? true : null);
        // The loop can end with an error while a read of the stream is pending (a group commit on the target
        // failed while waiting for the next message). That read must end before the enumerator is disposed:
        // disposing it mid-read throws NotSupportedException, which would hide the real error (and turn a lost
        // connection, which is retried, into a failure).
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var messages = replication.StartReplication(slot, options, abandon.Token, applied).GetAsyncEnumerator(abandon.Token);
        Task<bool>? next = null;
        var failed = false;
        try
        {
            await ConsumeAsync(messages, applied, pending => next = pending, ct);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            if (next is { IsCompleted: false })
            {
                await abandon.CancelAsync();
                try
                {
                    await next.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                }
                catch (Exception)
                {
                    // The stream is abandoned: the error that ended the loop is the one to report.
                }
            }
            if (next is null || next.IsCompleted)
            {
                try
                {
                    await messages.DisposeAsync();
                }
                catch (Exception) when (failed)
                {
                    // Same: do not let the clean-up hide the error.
                }
            }
        }
    }

    private async Task ConsumeAsync(IAsyncEnumerator<PgOutputReplicationMessage> messages, NpgsqlLogSequenceNumber applied, Action<Task<bool>> reading, CancellationToken ct)
    {
        var inTransaction = false;
        var skipping = false;
        var waitedForLast = false;
        while (true)
        {
            if (waitedForLast && (inTransaction || applier.HasOpenGroup))
                await Task.Delay(BatchPause, ct);
            var moving = messages.MoveNextAsync();
            waitedForLast = !moving.IsCompleted;
            var next = moving.AsTask();
            reading(next);
            statistics.CaughtUp = false;
            while (!next.IsCompleted)
            {
                await ConfirmCommittedAsync(ct);
                if (applier.HasOpenGroup && !inTransaction)
                {
                    if (await Task.WhenAny(next, Task.Delay(Linger, ct)) != next)
                        await applier.StartCommitAsync(ct);
                    continue;
                }
                if (applier.CommitInFlight is { } committing)
                {
                    await Task.WhenAny(next, committing);
                    continue;
                }
                if (!inTransaction && !applier.HasOpenGroup)
                {
                    // Idle with nothing pending: everything received so far (keepalives included) is applied or
                    // not ours. Confirming it lets the source recycle WAL even for a database nobody writes to.
                    statistics.CaughtUp = true;
                    Confirm(replication.LastReceivedLsn > statistics.AppliedLsn ? replication.LastReceivedLsn : statistics.AppliedLsn);
                }
                await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), ct));
            }
            if (!await next)
            {
                await ConfirmAllCommittedAsync(ct);
                return;
            }
            await ConfirmCommittedAsync(ct);
            statistics.LastActivity = DateTimeOffset.UtcNow;
            switch (messages.Current)
            {
                case BeginMessage begin:
                    inTransaction = true;
                    skipping = begin.TransactionFinalLsn < applied;
                    break;
                case RelationMessage relation:
                    await applier.RelationAsync(relation, ct);
                    break;
                case InsertMessage insert when !skipping:
                    await applier.InsertAsync(insert, ct);
                    break;
                case UpdateMessage update when !skipping:
                    await applier.UpdateAsync(update, ct);
                    break;
                case DeleteMessage delete when !skipping:
                    await applier.DeleteAsync(delete, ct);
                    break;
                case TruncateMessage truncate when !skipping:
                    await applier.TruncateAsync(truncate, ct);
                    break;
                case LogicalDecodingMessage message when !skipping && inTransaction && message.Prefix == ReplicationNames.DdlMessagePrefix:
                    await applier.DdlAsync(DdlEvent.Parse(await ReadAllAsync(message.Data, ct)), message.MessageLsn, ct);
                    break;
                case CommitMessage commit:
                    inTransaction = false;
                    if (skipping)
                        break;
                    await applier.CommittedAsync(commit, ct);
                    if (!applier.HasOpenGroup)
                    {
                        // Nothing of ours in it (a cutover marker, for one): confirm it once what came before has committed.
                        await ConfirmAllCommittedAsync(ct);
                        Confirm(commit.TransactionEndLsn);
                        break;
                    }
                    if (applier.CommitRequested || applier.PendingTransactions >= GroupTransactions || applier.PendingChanges >= GroupChanges
                        || DateTimeOffset.UtcNow - applier.GroupStarted >= GroupAge)
                        await applier.StartCommitAsync(ct);
                    break;
            }
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream data, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await data.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    /// <summary>Waits for the commit in flight, then confirms everything committed.</summary>
    private async Task ConfirmAllCommittedAsync(CancellationToken ct)
    {
        await applier.WaitForCommitAsync();
        await ConfirmCommittedAsync(ct);
    }

    /// <summary>Confirms to the source the groups that have committed on the target since the last call.</summary>
    private async Task ConfirmCommittedAsync(CancellationToken ct)
    {
        if (applier.TakeCommitted() is not { } lsn)
            return;
        Confirm(lsn);
        try
        {
            await replication.SendStatusUpdate(ct);
        }
        catch (Exception error) when (error is InvalidOperationException or NullReferenceException or ObjectDisposedException)
        {
            // The stream broke while the group committed (the source went away): Npgsql then refuses the
            // update ("can only be sent during replication") instead of reporting an I/O error. The group is
            // safe on the target with its LSN; say "connection lost" so that the runner reconnects and resumes.
            throw new IOException("The replication connection to the source was lost.", error);
        }
    }

    private void Confirm(NpgsqlLogSequenceNumber lsn)
    {
        if (lsn > statistics.ConfirmedLsn)
            statistics.ConfirmedLsn = lsn;
        replication.SetReplicationStatus(statistics.ConfirmedLsn);
    }
}
