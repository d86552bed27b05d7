using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Tests.State;

/// <summary>
/// The stream back of a cutover with fallback exists from just before the cutover's pause. Until that cutover is done it
/// is not a way back: a fallback request is refused with the reason, and a restarted service does not resume the stream
/// on its own (<see cref="MigrationControl.AwaitsItsMigration"/>): the migration's run ends its cutover first. A finish
/// ends every stream back of the migration that may still hold slots, not only the latest.
/// </summary>
public sealed class MigrationControlFallbackTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-fallback-control-").FullName;

    [Fact]
    public void StreamBack_WhileItsCutoverIsUnfinished_NotAWayBackNorResumedAlone_OnceDone_Both()
    {
        using var store = MigrationStore.Open(Path.Combine(_directory, "state.db"));
        var now = DateTimeOffset.UtcNow;
        var oldServer = new ConnectionSpec { Host = "old", Port = 5432, Database = "postgres", Username = "postgres" };
        var newServer = oldServer with { Host = "new" };
        var forward = Record(MigrationMethod.Relay, oldServer, newServer, now);
        store.Create(forward, oldServer, newServer);
        store.SetSwitchStep(forward.Id, "Pausing");
        var reverse = Record(MigrationMethod.Fallback, newServer, oldServer, now.AddSeconds(1)) with { Status = MigrationStatus.Running };
        store.Create(reverse, newServer, oldServer);

        Assert.True(MigrationControl.AwaitsItsMigration(store, store.Get(reverse.Id)!));
        var refused = Assert.Throws<PgMoveException>(() => MigrationControl.FindFallback(store, forward.Id));
        Assert.Equal("fallback.none", refused.Code);
        Assert.Contains("its cutover with fallback has not finished", refused.Message, StringComparison.Ordinal);

        store.SetSwitchStep(forward.Id, "Done");
        store.Update(store.Get(forward.Id)! with { Status = MigrationStatus.Done });
        store.Update(store.Get(reverse.Id)! with { Status = MigrationStatus.Syncing });

        Assert.False(MigrationControl.AwaitsItsMigration(store, store.Get(reverse.Id)!));
        Assert.Equal(reverse.Id, MigrationControl.FindFallback(store, forward.Id).Reverse.Id);
    }

    [Fact]
    public async Task Finish_EarlierStreamBackLeftInError_EndedAfterTheLatestThenAlreadyDone()
    {
        using var store = MigrationStore.Open(Path.Combine(_directory, "state.db"));
        var now = DateTimeOffset.UtcNow;
        var oldServer = new ConnectionSpec { Host = "old", Port = 5432, Database = "postgres", Username = "postgres" };
        var newServer = oldServer with { Host = "new" };
        // A stream back of an earlier migration between the same servers is not this migration's.
        var before = Record(MigrationMethod.Fallback, newServer, oldServer, now.AddHours(-1)) with { Status = MigrationStatus.Error };
        var forward = Record(MigrationMethod.Relay, oldServer, newServer, now) with { Status = MigrationStatus.Done };
        var failed = Record(MigrationMethod.Fallback, newServer, oldServer, now.AddSeconds(1)) with { Status = MigrationStatus.Error };
        var canceled = Record(MigrationMethod.Fallback, newServer, oldServer, now.AddSeconds(2)) with { Status = MigrationStatus.Canceled };
        var latest = Record(MigrationMethod.Fallback, newServer, oldServer, now.AddSeconds(3));
        foreach (var record in new[] { before, forward, failed, canceled, latest })
        {
            store.Create(record, record.Method == MigrationMethod.Fallback ? newServer : oldServer, record.Method == MigrationMethod.Fallback ? oldServer : newServer);
            store.Update(record);
        }

        var lookup = MigrationControl.FindFinish(store, null);
        Assert.Equal((forward.Id, latest.Id, null), (lookup.Migration.Id, lookup.Reverse.Id, lookup.AlreadyDone));
        Assert.Equal([failed.Id], lookup.Earlier.Select(r => r.Id));

        // The latest first; the earlier one only once the latest has ended (its stop drops the old server's bookkeeping).
        var stops = new List<string>();
        var refused = await MigrationControl.FinishAsync(lookup, id => Stop(id, MigrationStatus.Error));
        Assert.False(refused.Finished);
        Assert.Equal([latest.Id], stops);

        // The latest ends, the earlier one's stop fails: not finished, and a retry still reaches the earlier one.
        stops.Clear();
        refused = await MigrationControl.FinishAsync(lookup, id => Stop(id, id == latest.Id ? MigrationStatus.Canceled : MigrationStatus.Error));
        Assert.False(refused.Finished);
        Assert.Equal([latest.Id, failed.Id], stops);

        stops.Clear();
        var retry = MigrationControl.FindFinish(store, forward.Id);
        Assert.Equal((latest.Id, null), (retry.Reverse.Id, retry.AlreadyDone));
        var (finished, message) = await MigrationControl.FinishAsync(retry, id => Stop(id, MigrationStatus.Canceled));
        Assert.True(finished, message);
        Assert.Equal([failed.Id], stops);
        Assert.Contains($"({failed.Id}) are dropped too", message, StringComparison.Ordinal);

        // Nothing left: a retry is an answer; the earlier migration's stream back was never this one's to end.
        Assert.Contains("already canceled", MigrationControl.FindFinish(store, forward.Id).AlreadyDone, StringComparison.Ordinal);
        Assert.Equal(MigrationStatus.Error, store.Get(before.Id)!.Status);

        Task<MigrationRecord> Stop(string id, MigrationStatus status)
        {
            stops.Add(id);
            var stopped = store.Get(id)! with { Status = status, Error = status == MigrationStatus.Error ? "unreachable" : null };
            store.Update(stopped);
            return Task.FromResult(stopped);
        }
    }

    private static MigrationRecord Record(MigrationMethod method, ConnectionSpec from, ConnectionSpec to, DateTimeOffset at) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Method = method,
        Status = MigrationStatus.Syncing,
        CreatedAt = at,
        UpdatedAt = at,
        Source = from.ToString(),
        Target = to.ToString(),
        IgnoreDatabases = [],
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
