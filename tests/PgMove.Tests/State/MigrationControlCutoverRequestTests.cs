using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Tests.State;

/// <summary>
/// The one rule for a cutover request's switch, shared by <c>pgmove cutover</c> and the service: the settings are
/// written with the request, a cutover without a switch clears those of an earlier request, and neither happens while
/// a switch is under way or a cutover is finishing.
/// </summary>
public sealed class MigrationControlCutoverRequestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-request-").FullName;

    private static readonly SwitchSettings PgBouncer = new()
    {
        PgBouncerAdmin = new ConnectionSpec { Host = "pooler", Port = 6432, Database = "pgbouncer", Username = "admin", Password = "b0uncer-pw" },
        PauseTimeoutSeconds = 7,
        PgBouncerTarget = "10.0.0.7:5432",
        PgBouncerSources = ["db-old.internal:5432", "[fd00::5]:5433"],
    };

    private (MigrationStore Store, MigrationRecord Record) Create()
    {
        var store = MigrationStore.Open(Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db"));
        var record = SyncingRecord.CreateIn(store);
        return (store, record);
    }

    [Fact]
    public void LeaveCutoverRequest_WithSwitch_KeepsItAndFreezes_WithoutSwitch_ClearsIt()
    {
        var (store, record) = Create();
        using var scope = store;

        MigrationControl.LeaveCutoverRequest(store, store.Get(record.Id)!, freeze: false, PgBouncer);

        Assert.Equal("cutover-freeze", store.Get(record.Id)!.Request);
        var kept = store.ReadSwitch(record.Id)!;
        Assert.Equal(PgBouncer.PgBouncerAdmin, kept.PgBouncerAdmin);
        Assert.Equal(7, kept.PauseTimeoutSeconds);
        Assert.Equal("10.0.0.7:5432", kept.PgBouncerTarget);
        Assert.Equal(PgBouncer.PgBouncerSources, kept.PgBouncerSources);

        MigrationControl.LeaveCutoverRequest(store, store.Get(record.Id)!, freeze: false, switchSettings: null);

        Assert.Equal("cutover", store.Get(record.Id)!.Request);
        Assert.Null(store.ReadSwitch(record.Id));
    }

    [Theory]
    [InlineData(null, "Freezing")]
    [InlineData(MigrationControl.CutoverFinishingFrozen, null)]
    public void LeaveCutoverRequest_SwitchUnderWayOrCutoverFinishing_GoesOnWithWhatItWasAsked(string? request, string? step)
    {
        var (store, record) = Create();
        using var scope = store;
        MigrationControl.LeaveCutoverRequest(store, store.Get(record.Id)!, freeze: false, PgBouncer);
        store.SetRequest(record.Id, request ?? "cutover-freeze");
        store.SetSwitchStep(record.Id, step);

        MigrationControl.LeaveCutoverRequest(store, store.Get(record.Id)!, freeze: false, switchSettings: null);

        Assert.Equal(PgBouncer.PgBouncerAdmin, store.ReadSwitch(record.Id)?.PgBouncerAdmin);
        // A finishing cutover is never asked to start over.
        if (request is not null)
            Assert.Equal(request, store.Get(record.Id)!.Request);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
