using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// A migration runner started in process for one test. Disposing detaches it (cancels and waits), so that a
/// failing test leaves no runner retrying against servers that are about to be stopped.
/// </summary>
internal sealed class RelayRun : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    private readonly CancellationTokenSource _detach = new();

    private RelayRun(RelayScenario scenario) => Scenario = scenario;

    public RelayScenario Scenario { get; }

    public MigrationRunner Runner { get; private set; } = null!;

    public Task<MigrationRecord> Task { get; private set; } = null!;

    /// <summary>Creates (or resumes) the migration and waits until every database streams.</summary>
    public static async Task<RelayRun> StartSyncingAsync(RelayScenario scenario, TimeSpan? timeout = null)
    {
        var run = await StartAsync(scenario);
        try
        {
            var syncing = await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, timeout ?? DefaultTimeout, run.Task);
            Assert.All(syncing.Databases, d => Assert.True(d.CopyDone, RelayScenario.Describe(syncing)));
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates (or resumes) the migration; does not wait.</summary>
    public static async Task<RelayRun> StartAsync(RelayScenario scenario)
    {
        var run = new RelayRun(scenario);
        (run.Runner, run.Task) = await scenario.RunAsync(scenario.Options(), run._detach.Token);
        return run;
    }

    /// <summary>
    /// Waits for a lag measurement taken after this call in which every database streams with 0 bytes of lag:
    /// everything committed on the source before the call is then applied on the target.
    /// </summary>
    public Task<MigrationRecord> WaitCaughtUpAsync(TimeSpan? timeout = null) =>
        Scenario.WaitCaughtUpAsync(timeout ?? DefaultTimeout, Task);

    /// <summary>
    /// Waits until <paramref name="database"/> has stopped with an error while the runner goes on (a database's
    /// failure stops that database only); returns the record, whose error names it.
    /// </summary>
    public Task<MigrationRecord> WaitDatabaseFailedAsync(string database, TimeSpan? timeout = null) =>
        Scenario.WaitForAsync(r => r.Error is not null && r.Databases.Any(d => d.Name == database && d.Phase == DatabasePhase.Failed), timeout ?? DefaultTimeout, Task);

    /// <summary>Asks for a cutover (which waits for the streams itself) and expects it to end Done.</summary>
    public async Task<MigrationRecord> CutoverAsync(TimeSpan? timeout = null)
    {
        Scenario.Request("cutover");
        var done = await Task.WaitAsync(timeout ?? DefaultTimeout);
        Assert.True(done.Status == MigrationStatus.Done, RelayScenario.Describe(done));
        Assert.All(done.Databases, d => Assert.Equal(DatabasePhase.Done, d.Phase));
        return done;
    }

    public async ValueTask DisposeAsync()
    {
        if (Task is not null && !Task.IsCompleted)
        {
            await _detach.CancelAsync();
            try
            {
                await Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // The test already failed; its own assertion says why.
            }
        }
        _detach.Dispose();
    }
}
