using System.Diagnostics;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Tests.State;

/// <summary>
/// A request (cutover, stop) waits for the running <c>pgmove start</c> to carry it out. The runner may finish it and
/// exit between two of the requester's looks at the store: that is a finished request, not a runner gone missing
/// (found by bench/copy-bench.sh, where `pgmove cutover` reported an error after a clean cutover).
/// </summary>
public sealed class MigrationControlRaceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-race-").FullName;

    [Fact]
    public async Task RequestCutover_RunnerFinishesAndExitsRightAfterARead_ReturnsTheFinishedRecord()
    {
        using var runner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            using var store = new FinishAfterRead(MigrationStore.Open(Path.Combine(_directory, "state.db")), runner);
            var record = SyncingRecord.CreateIn(store, runner.Id);

            var finished = await MigrationControl.RequestCutoverAsync(store, record.Id, freeze: false, CancellationToken.None);

            Assert.NotNull(finished);
            Assert.Equal(MigrationStatus.Done, finished.Status);
        }
        finally
        {
            if (!runner.HasExited)
                runner.Kill();
        }
    }

    /// <summary>
    /// A stop asked while a cutover was past the point where the runner reads requests: the cutover went on and the
    /// migration is done. The stop says so and fails; it did not happen (it used to return the record, exit 0).
    /// </summary>
    [Fact]
    public async Task Stop_CutoverFinishesBeforeTheStopIsSeen_SaysNothingWasStopped()
    {
        using var runner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            using var store = new FinishAfterRead(MigrationStore.Open(Path.Combine(_directory, "state.db")), runner);
            var record = SyncingRecord.CreateIn(store, runner.Id);

            var error = await Assert.ThrowsAsync<PgMoveException>(() => MigrationControl.StopAsync(store, record.Id, CancellationToken.None));

            Assert.Equal("migration.cut_over_meanwhile", error.Code);
            Assert.Contains("nothing was stopped", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (!runner.HasExited)
                runner.Kill();
        }
    }

    /// <summary>While its switch moves the applications the runner reads no request: a stop is refused up front, naming the step.</summary>
    [Fact]
    public async Task Stop_WhileTheApplicationsMove_RefusedAndNothingAsked()
    {
        using var runner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            using var store = MigrationStore.Open(Path.Combine(_directory, "state.db"));
            var record = SyncingRecord.CreateIn(store, runner.Id);
            store.SetSwitchStep(record.Id, "Pausing");

            var error = await Assert.ThrowsAsync<PgMoveException>(() => MigrationControl.StopAsync(store, record.Id, CancellationToken.None));

            Assert.Equal("migration.switching", error.Code);
            Assert.Contains("Pausing", error.Message, StringComparison.Ordinal);
            Assert.Null(store.Get(record.Id)!.Request);
        }
        finally
        {
            runner.Kill();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Once the request is set, the next read returns the record as it was, and then the "runner" writes it done and
    /// exits: what a real runner does when it completes the cutover just after the requester looked.
    /// </summary>
    private sealed class FinishAfterRead(MigrationStore inner, Process runner) : IMigrationStore
    {
        private bool _requested;

        public MigrationRecord? Get(string id)
        {
            var record = inner.Get(id);
            if (_requested && record is { IsActive: true })
            {
                inner.Update(record with { Status = MigrationStatus.Done, RunnerPid = null });
                runner.Kill();
                runner.WaitForExit();
                _requested = false;
            }
            return record;
        }

        public void SetRequest(string id, string? request)
        {
            inner.SetRequest(id, request);
            _requested = request is not null;
        }

        public void Create(MigrationRecord record, ConnectionSpec source, ConnectionSpec target) => inner.Create(record, source, target);

        public void Update(MigrationRecord record) => inner.Update(record);

        public void SetSwitch(string id, PgMove.Core.Switch.SwitchSettings? settings) => inner.SetSwitch(id, settings);

        public PgMove.Core.Switch.SwitchSettings? ReadSwitch(string id) => inner.ReadSwitch(id);

        public void SetSwitchStep(string id, string? step) => inner.SetSwitchStep(id, step);

        public MigrationRecord? Latest(string? source = null, string? target = null) => inner.Latest(source, target);

        public IReadOnlyList<MigrationRecord> All() => inner.All();

        public (ConnectionSpec Source, ConnectionSpec Target) ReadSecrets(string id) => inner.ReadSecrets(id);

        public bool TryClaim(MigrationRecord record) => inner.TryClaim(record);

        public void Dispose() => inner.Dispose();
    }
}
