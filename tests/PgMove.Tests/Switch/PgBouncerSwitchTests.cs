using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using PgMove.Core.Errors;
using PgMove.Core.Switch;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Switch;

/// <summary>The switch against a real PgBouncer in front of two real servers (15 → 17); no replication: the callback is trivial.</summary>
public sealed partial class PgBouncerSwitchTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task Run_PgbenchThroughPgBouncer_NoClientErrorAndNewTransactionsLandOnTarget()
    {
        await using var setup = await Setup.StartAsync(pgbench: true);
        var load = Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "4", "-R", Pgbench.Rate, "-T", "15", "app"]);
        await WaitForAsync(async () => await setup.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app") > 0);

        var steps = new List<SwitchStep>();
        var result = await setup.Switch().RunAsync(new PgBouncerSwitchHooks { BeforeStep = (s, _) => Record(steps, s) }, CancellationToken.None);

        Assert.Equal([SwitchStep.Pausing, SwitchStep.Freezing, SwitchStep.Rewriting, SwitchStep.Reloading, SwitchStep.Resuming, SwitchStep.Done], steps);
        Assert.Equal(["app"], result.Databases);
        Assert.True(result.PauseMilliseconds >= 0);
        var (exit, output) = await load;
        Assert.True(exit == 0, output);
        Assert.Matches(@"number of failed transactions: 0\b", output);
        // Every transaction inserted one history row on the one server it ran on: none lost, none doubled.
        var processed = long.Parse(ProcessedPattern().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var onSource = await setup.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app");
        var onTarget = await setup.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app");
        Assert.Equal(processed, onSource + onTarget);

        Assert.Equal(setup.Target.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        Assert.Contains($"port={setup.Target.Port}", await File.ReadAllTextAsync(setup.Bouncer.IniPath), StringComparison.Ordinal);
        Assert.Equal(setup.OriginalIni, await File.ReadAllTextAsync(setup.Bouncer.IniPath + ".pgmove-backup"));
        Assert.DoesNotContain(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Paused);
    }

    [SkippableFact]
    public async Task Run_TransactionHeldOpen_PauseTimesOutResumesAndNamesTheSession()
    {
        await using var setup = await Setup.StartAsync();
        await using var holder = new NpgsqlConnection(setup.Bouncer.ConnectionString("app", "long-report"));
        await holder.OpenAsync();
        await using var begin = new NpgsqlCommand("BEGIN; SELECT 1", holder);
        await begin.ExecuteNonQueryAsync();
        await using var pidCommand = new NpgsqlCommand("SELECT pg_backend_pid()", holder);
        var pid = (int)(await pidCommand.ExecuteScalarAsync())!;

        var steps = new List<SwitchStep>();
        var hooks = new PgBouncerSwitchHooks { BeforeStep = (s, _) => Record(steps, s), WhilePaused = _ => throw new InvalidOperationException("must not run") };
        var error = await Assert.ThrowsAsync<PgBouncerPauseTimeoutException>(() => setup.Switch(TimeSpan.FromSeconds(2)).RunAsync(hooks, CancellationToken.None));

        Assert.Equal([SwitchStep.Pausing], steps);
        Assert.Contains("long-report", error.Message, StringComparison.Ordinal);
        Assert.Contains($"server pid {pid}", error.Message, StringComparison.Ordinal);
        Assert.Equal(pid, Assert.Single(error.Blocking).ServerPid);
        Assert.Equal(setup.OriginalIni, await File.ReadAllTextAsync(setup.Bouncer.IniPath));
        Assert.DoesNotContain(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Paused);
        // Resumed: the held transaction and new clients go on, on the source.
        await using (var commit = new NpgsqlCommand("COMMIT", holder))
            await commit.ExecuteNonQueryAsync();
        Assert.Equal(setup.Source.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
    }

    [SkippableFact]
    public async Task Run_IniMadeReadOnlyWhilePaused_RollsBackAndClientsStayOnSource()
    {
        await using var setup = await Setup.StartAsync();
        var steps = new List<SwitchStep>();
        var undone = 0;
        Task<int>? waiting = null;
        var hooks = new PgBouncerSwitchHooks
        {
            BeforeStep = (s, _) => Record(steps, s),
            WhilePaused = _ =>
            {
                File.SetUnixFileMode(setup.Bouncer.IniPath, UnixFileMode.UserRead | UnixFileMode.GroupRead);
                // A client that arrives during the pause waits, then runs on the source once the rollback resumes.
                waiting = setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()");
                return Task.CompletedTask;
            },
            UndoWhilePaused = _ =>
            {
                undone++;
                return Task.CompletedTask;
            },
        };

        var error = await Assert.ThrowsAsync<PgMoveException>(() => setup.Switch().RunAsync(hooks, CancellationToken.None));

        Assert.Equal("pgbouncer.ini_not_writable", error.Code);
        Assert.Equal([SwitchStep.Pausing, SwitchStep.Freezing, SwitchStep.Rewriting, SwitchStep.RollingBack], steps);
        Assert.Equal(1, undone);
        Assert.Equal(setup.OriginalIni, await File.ReadAllTextAsync(setup.Bouncer.IniPath));
        Assert.Equal(setup.Source.Port, await waiting!);
        Assert.Equal(setup.Source.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        Assert.DoesNotContain(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Paused);
    }

    [SkippableFact]
    public async Task Check_IniReadOnlyOrNoEntryForTheSource_FailsBeforeAnythingIsPaused()
    {
        await using var setup = await Setup.StartAsync();
        var other = new PgBouncerSwitch(setup.Options() with { Databases = new Dictionary<string, string> { ["nothere"] = "nothere" } });
        var usage = await Assert.ThrowsAsync<UsageException>(() => other.CheckAsync(CancellationToken.None));
        Assert.Equal("switch.pgbouncer_no_database", usage.Code);
        Assert.Contains($"app = 127.0.0.1:{setup.Source.Port}/app", usage.Message, StringComparison.Ordinal);

        File.SetUnixFileMode(setup.Bouncer.IniPath, UnixFileMode.UserRead);
        var error = await Assert.ThrowsAsync<PgMoveException>(() => setup.Switch().RunAsync(new PgBouncerSwitchHooks(), CancellationToken.None));
        Assert.Equal("pgbouncer.ini_not_writable", error.Code);
        Assert.DoesNotContain(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Paused);
    }

    [SkippableTheory]
    [InlineData(SwitchStep.Pausing, false)]
    [InlineData(SwitchStep.Freezing, false)]
    [InlineData(SwitchStep.Rewriting, false)]
    [InlineData(SwitchStep.Reloading, false)]
    [InlineData(SwitchStep.Resuming, true)]
    [InlineData(SwitchStep.Done, true)]
    public async Task Recover_AfterACrashAtEachStep_ResumedOnExactlyOneServer(SwitchStep crashAt, bool onTarget)
    {
        await using var setup = await Setup.StartAsync();
        // A crash: the hook for that step never returns, and the switch is abandoned where it stands.
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        var hooks = new PgBouncerSwitchHooks
        {
            BeforeStep = (s, _) =>
            {
                if (s != crashAt)
                    return Task.CompletedTask;
                reached.TrySetResult();
                return never.Task;
            },
        };
        _ = setup.Switch().RunAsync(hooks, CancellationToken.None);
        await reached.Task.WaitAsync(Deadline);
        // The pause outlives the console session that asked for it: what a crashed pgmove leaves behind.
        var before = Assert.Single(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.Equal(crashAt is not SwitchStep.Pausing and not SwitchStep.Done, before.Paused);

        var undone = 0;
        var recovery = await setup.Switch().RecoverAsync(crashAt, new PgBouncerSwitchHooks { UndoWhilePaused = _ => { undone++; return Task.CompletedTask; } }, CancellationToken.None);
        // Twice: a recovery interrupted itself is simply run again.
        await setup.Switch().RecoverAsync(crashAt, new PgBouncerSwitchHooks(), CancellationToken.None);

        Assert.Equal(onTarget, recovery.OnTarget);
        Assert.Equal(onTarget ? 0 : 1, undone);
        var expected = onTarget ? setup.Target.Port : setup.Source.Port;
        Assert.Equal(expected, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        var database = Assert.Single(await (await setup.AdminAsync()).DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.False(database.Paused);
        Assert.Equal(expected, database.Port);
        if (!onTarget)
            Assert.Equal(setup.OriginalIni, await File.ReadAllTextAsync(setup.Bouncer.IniPath));
    }

    private static Task Record(List<SwitchStep> steps, SwitchStep step)
    {
        lock (steps)
            steps.Add(step);
        return Task.CompletedTask;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Deadline)
                throw new TimeoutException("the condition did not hold within the deadline");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();

    /// <summary>A source (15) and a target (17), each with database app, and PgBouncer's entry app leading to the source.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private Setup(PgCluster source, PgCluster target, PgBouncerProcess bouncer, string originalIni)
        {
            Source = source;
            Target = target;
            Bouncer = bouncer;
            OriginalIni = originalIni;
        }

        public PgCluster Source { get; }

        public PgCluster Target { get; }

        public PgBouncerProcess Bouncer { get; }

        public string OriginalIni { get; }

        public static async Task<Setup> StartAsync(bool pgbench = false)
        {
            Skip.IfNot(PgBouncerProcess.Installed, "PgBouncer is not installed (scripts/install-deps.sh)");
            var (source, target) = await PgCluster.StartPairAsync(15, 17);
            try
            {
                foreach (var cluster in new[] { source, target })
                {
                    await cluster.ExecuteAsync("CREATE DATABASE app");
                    if (pgbench)
                        await Pgbench.InitAsync(cluster, "app", 1);
                }
                var bouncer = await PgBouncerProcess.StartAsync([$"app = host=127.0.0.1 port={source.Port} dbname=app pool_size=8", "* = host=127.0.0.1 port=" + source.Port]);
                return new Setup(source, target, bouncer, await File.ReadAllTextAsync(bouncer.IniPath));
            }
            catch
            {
                await source.DisposeAsync();
                await target.DisposeAsync();
                throw;
            }
        }

        public PgBouncerSwitchOptions Options(TimeSpan? pauseTimeout = null) => new()
        {
            Admin = Bouncer.AdminSpec,
            PauseTimeout = pauseTimeout ?? TimeSpan.FromSeconds(30),
            Sources = [new ServerEndpoint(Source.Host, Source.Port)],
            Target = new ServerEndpoint(Target.Host, Target.Port),
            Databases = new Dictionary<string, string> { ["app"] = "app" },
        };

        public PgBouncerSwitch Switch(TimeSpan? pauseTimeout = null) => new(Options(pauseTimeout));

        public Task<PgBouncerAdmin> AdminAsync() => PgBouncerAdmin.ConnectAsync(Bouncer.AdminSpec, CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await Bouncer.DisposeAsync();
            await Source.DisposeAsync();
            await Target.DisposeAsync();
        }
    }
}
