using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Tests.State;

/// <summary>
/// The stream back of a cutover with fallback exists from just before the cutover's pause. Until that cutover is done it
/// is not a way back: a fallback request is refused with the reason, and a restarted service does not resume the stream
/// on its own (<see cref="MigrationControl.AwaitsItsMigration"/>): the migration's run ends its cutover first.
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
