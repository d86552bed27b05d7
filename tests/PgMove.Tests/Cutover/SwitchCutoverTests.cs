using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;
using PgMove.Tests.BadInput;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using PgMove.Tests.Subscription;

namespace PgMove.Tests.Cutover;

/// <summary>
/// <c>pgmove cutover --pgbouncer</c> and <c>--switch-command</c> on real servers (15 → 17) and a real PgBouncer, with the
/// runner alive in this process (as <c>pgmove start</c> would be) or killed: the applications' writes wait instead of
/// failing, land on exactly one server, and every failure before the resume goes back to the source.
/// </summary>
public sealed partial class SwitchCutoverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableTheory]
    [InlineData("relay")]
    [InlineData("subscription")]
    public async Task Cutover_PgbenchThroughPgBouncer_NoFailedTransactionAndEveryOneOnTheTarget(string method)
    {
        await using var setup = await Setup.StartAsync(method);
        var load = Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "4", "-R", Pgbench.Rate, "-T", "15", "app"]);
        await WaitForAsync(async () => await setup.Scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app") > 100);

        // The relay run names the target as PgBouncer reaches it (localhost, where PgMove's --target says 127.0.0.1).
        var (exit, output) = method == "relay"
            ? await setup.CutoverAsync("--pgbouncer-target", $"localhost:{setup.Scenario.Target.Port}")
            : await setup.CutoverAsync();

        Assert.True(exit == 0, output);
        Assert.True(Regex.IsMatch(output, @"client queries waited\s+\d+ ms"), output);
        var (benchExit, bench) = await load;
        Assert.True(benchExit == 0, bench);
        Assert.Matches(@"number of failed transactions: 0\b", bench);
        var processed = long.Parse(ProcessedPattern().Match(bench).Groups[1].Value, CultureInfo.InvariantCulture);
        // Every transaction pgbench counted is on the target, once: those before the switch came through replication.
        Assert.Equal(processed, await setup.Scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app"));
        Assert.True(await setup.Scenario.Target.ScalarAsync<bool>("SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)", "app"));
        var ini = await File.ReadAllTextAsync(setup.Bouncer.IniPath);
        Assert.Contains($"port={setup.Scenario.Target.Port}", ini, StringComparison.Ordinal);
        Assert.Contains(method == "relay" ? "host=localhost" : "host=127.0.0.1", ini, StringComparison.Ordinal);
        Assert.Equal(setup.Scenario.Target.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        await SourceHygiene.AssertCleanAsync(setup.Scenario.Source);

        var record = await setup.Scenario.WaitForAsync(r => r.Status == MigrationStatus.Done, Timeout, setup.Run);
        Assert.Equal("Done", record.SwitchStep);
        var (_, status) = await PgMoveProcess.RunAsync(setup.Scenario.CliEnvironment(), Timeout, "status", "--state", setup.Scenario.StatePath);
        Assert.Contains("The applications use the target", status, StringComparison.Ordinal);
        Assert.Contains("read-only on purpose", status, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Cutover_TransactionHeldThroughPgBouncer_PauseTimesOutNothingChangesAndALaterCutoverSucceeds()
    {
        await using var setup = await Setup.StartAsync("relay");
        await using var holder = new NpgsqlConnection(setup.Bouncer.ConnectionString("app", "long-report"));
        await holder.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN; SELECT count(*) FROM pgbench_accounts", holder))
            await begin.ExecuteNonQueryAsync();

        var (exit, output) = await setup.CutoverAsync("--pause-timeout", "2");

        Assert.True(exit == 1, output);
        Assert.Contains("could not pause", output, StringComparison.Ordinal);
        Assert.Contains("long-report", output, StringComparison.Ordinal);
        Assert.Contains("pg_stat_activity shows", output, StringComparison.Ordinal);
        Assert.Contains("idle in transaction", output, StringComparison.Ordinal);
        Assert.Equal(setup.OriginalIni, await File.ReadAllTextAsync(setup.Bouncer.IniPath));
        Assert.DoesNotContain(await (await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None)).DatabasesAsync(CancellationToken.None), d => d.Paused);
        var record = setup.Scenario.Latest();
        Assert.Equal(MigrationStatus.Syncing, record.Status);
        Assert.Null(record.SwitchStep);
        Assert.Equal(0, await setup.Scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));
        // The held transaction goes on, on the source.
        await using (var write = new NpgsqlCommand("UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid = 1; COMMIT", holder))
            await write.ExecuteNonQueryAsync();

        (exit, output) = await setup.CutoverAsync("--pause-timeout", "30");
        Assert.True(exit == 0, output);
        Assert.Equal(7, await setup.Scenario.Target.ScalarAsync<int>("SELECT abalance FROM pgbench_accounts WHERE aid = 1", "app"));
        Assert.Equal(setup.Scenario.Target.Port, await setup.Bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
    }

    [SkippableFact]
    public async Task Cutover_SwitchCommandFails_RolledBackSourceWritableNoRowLostThenSucceeds()
    {
        await using var setup = await Setup.StartAsync("relay");
        var marker = Path.Combine(setup.Directory, "switched");
        await setup.Scenario.Source.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 1, now() FROM generate_series(1, 300) g", "app");

        var (exit, output) = await setup.CutoverCommandAsync("echo \"$PGMOVE_SWITCH_TARGET_PORT $PGMOVE_SWITCH_DATABASES ${PGMOVE_SOURCE:-no-secret}\" > " + marker + "; echo 'dns api refused' >&2; exit 3");

        Assert.True(exit == 1, output);
        Assert.Contains("exited with 3", output, StringComparison.Ordinal);
        Assert.Contains("dns api refused", output, StringComparison.Ordinal);
        // The command learned where to point, and no secret.
        Assert.Equal($"{setup.Scenario.Target.Port} app no-secret", (await File.ReadAllTextAsync(marker)).Trim());
        var record = setup.Scenario.Latest();
        Assert.Equal(MigrationStatus.Syncing, record.Status);
        Assert.Null(record.SwitchStep);
        Assert.Equal(0, await setup.Scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));

        // The applications go on with the source (writable again), and the migration still carries what they write.
        var (benchExit, bench) = await Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "2", "-t", "100", "app"]);
        Assert.True(benchExit == 0, bench);
        Assert.Matches(@"number of failed transactions: 0\b", bench);
        var onSource = await setup.Scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app");
        Assert.Equal(500, onSource);

        (exit, output) = await setup.CutoverCommandAsync("true");
        Assert.True(exit == 0, output);
        Assert.Equal(onSource, await setup.Scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app"));
        await SourceHygiene.AssertCleanAsync(setup.Scenario.Source);
    }

    [SkippableFact]
    public async Task Cutover_PgmoveKilledDuringTheSwitch_NextCutoverLeavesPgBouncerResumedOnOneServerNothingLost()
    {
        await using var setup = await Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        await using var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout);
        var load = Pgbench.RunThroughAsync(setup.Bouncer.Host, setup.Bouncer.Port, ["-n", "-c", "4", "-R", Pgbench.Rate, "-T", "20", "app"]);
        await WaitForAsync(async () => await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app") > 100);

        var first = setup.CutoverAsync();
        // kill -9 as soon as the switch has recorded a step: wherever it stands then (paused, frozen, rewritten…).
        var step = (await scenario.WaitForAsync(r => r.SwitchStep is not null || r.Status == MigrationStatus.Done, Timeout)).SwitchStep;
        await start.KillAsync();
        var (firstExit, firstOutput) = await first;
        Assert.True(firstExit != 0 || firstOutput.Contains("cutover done", StringComparison.Ordinal), firstOutput);

        var (exit, output) = await setup.CutoverAsync();

        Assert.True(exit == 0, $"killed at {step}: {output}");
        var admin = await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None);
        var entry = Assert.Single(await admin.DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.False(entry.Paused);
        Assert.Equal(scenario.Target.Port, entry.Port);
        var (benchExit, bench) = await load;
        Assert.True(benchExit == 0, bench);
        Assert.Matches(@"number of failed transactions: 0\b", bench);
        var processed = long.Parse(ProcessedPattern().Match(bench).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(processed, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app"));
        Assert.True(await scenario.Target.ScalarAsync<bool>("SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)", "app"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    /// <summary>
    /// pgmove killed while the applications wait (the target cannot catch up: a lock held on it), then pgmove stop with
    /// no process left: the stop ends the switch first, as a start would (PgBouncer resumed on the source, the source
    /// writable), then stops. It used to drop the slots and leave PgBouncer paused and the source frozen.
    /// </summary>
    [SkippableFact]
    public async Task Stop_AfterPgmoveKilledWhileTheApplicationsWait_SwitchRolledBackThenStopped()
    {
        await using var setup = await Setup.StartAsync("relay", runner: false);
        var scenario = setup.Scenario;
        await using var start = PgMoveProcess.Start(scenario.CliEnvironment(), "start", "--state", scenario.StatePath, "--ignore-db", "postgres");
        await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout);
        var holder = await scenario.Target.OpenAsync("app");
        await using (var hold = new NpgsqlCommand("BEGIN; LOCK TABLE pgbench_history IN ACCESS EXCLUSIVE MODE", holder))
            await hold.ExecuteNonQueryAsync();
        await scenario.Source.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, now())", "app");

        var cutover = setup.CutoverAsync("--catch-up-timeout", "600");
        await scenario.WaitForAsync(r => r.SwitchStep == "Freezing", Timeout);
        await start.KillAsync();
        var (cutoverExit, cutoverOutput) = await cutover;
        Assert.True(cutoverExit != 0, cutoverOutput);
        await holder.DisposeAsync();

        var (exit, output) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "stop", "--state", scenario.StatePath);

        Assert.True(exit == 0, output);
        var stopped = scenario.Latest();
        Assert.True(stopped.Status == MigrationStatus.Canceled && stopped.SwitchStep is null, RelayScenario.Describe(stopped));
        var admin = await PgBouncerAdmin.ConnectAsync(setup.Bouncer.AdminSpec, CancellationToken.None);
        var entry = Assert.Single(await admin.DatabasesAsync(CancellationToken.None), d => d.Name == "app");
        Assert.False(entry.Paused);
        Assert.Equal(scenario.Source.Port, entry.Port);
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));
        // The applications write to the source again, through PgBouncer.
        Assert.Equal(2L, await setup.Bouncer.ScalarAsync<long>("app", "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 2, 1, now()) RETURNING 2::bigint"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [SkippableFact]
    public async Task Cutover_TargetLostBeforeThenAfterTheResume_RolledBackThenNamesTheStepThenARerunFinishes()
    {
        await using var setup = await Setup.StartAsync("relay");
        var scenario = setup.Scenario;
        await scenario.Source.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 1, now() FROM generate_series(1, 300) g", "app");

        // Lost before the resume: the switch command crashes the target while the source is frozen, and returns once it
        // is gone: the snapshot of the target then fails before the resume. (Returning at the signal raced the snapshot
        // on a loaded machine: the target sometimes died just after the resume, the second case below.)
        var pidFile = Path.Combine(scenario.Target.DataDir, "postmaster.pid");
        var (exit, output) = await setup.CutoverCommandAsync($"pid=$(head -n 1 {pidFile}); kill -QUIT $pid; while grep -qs '^State:[[:space:]]*[^Z]' /proc/$pid/status; do sleep 0.1; done");

        Assert.True(exit == 1, output);
        Assert.True(output.Contains("cutover refused", StringComparison.Ordinal) && output.Contains("writable again", StringComparison.Ordinal), output);
        Assert.Null(scenario.Latest().SwitchStep);
        Assert.Equal(0, await scenario.Source.ScalarAsync<int>("SELECT count(*)::int FROM pg_db_role_setting WHERE 'default_transaction_read_only=on' = ANY (setconfig)"));
        // The applications go on writing to the source.
        await scenario.Source.ExecuteAsync("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, 1, now() FROM generate_series(1, 200) g", "app");
        await scenario.Target.RestartAsync();

        // Lost after the resume: the verification reads every table of the target, and a lock held on one of them
        // stops it there, so the target is lost at that step and no other.
        var holder = await scenario.Target.OpenAsync("app");
        await using (var hold = new NpgsqlCommand("BEGIN; LOCK TABLE pgbench_branches IN ACCESS EXCLUSIVE MODE", holder))
            await hold.ExecuteNonQueryAsync();
        var second = setup.CutoverCommandAsync("true");
        await WaitForAsync(async () => scenario.Latest().SwitchStep == "Done"
            && await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'pgbench_branches'::regclass", "app") > 0);
        await scenario.Target.StopAsync(immediate: true);
        (exit, output) = await second;
        await holder.DisposeAsync();

        Assert.True(exit == 1, output);
        var text = TableText.Flatten(output); // the console wraps long lines
        Assert.True(text.Contains("The applications were moved to the target and resumed there; then verifying the target against the frozen source failed", StringComparison.Ordinal), output);
        Assert.True(text.Contains("without moving the applications again", StringComparison.Ordinal) && !text.Contains("unexpected", StringComparison.Ordinal), output);
        var (_, status) = await PgMoveProcess.RunAsync(scenario.CliEnvironment(), Timeout, "status", "--state", scenario.StatePath);
        Assert.Contains("The applications use the target", status, StringComparison.Ordinal);

        await scenario.Target.RestartAsync();
        (exit, output) = await setup.CutoverCommandAsync("true");
        Assert.True(exit == 0, output);
        Assert.Contains("verify: not repeated", output, StringComparison.Ordinal);
        Assert.Equal(MigrationStatus.Done, scenario.Latest().Status);
        Assert.Equal(500, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException("the condition did not hold within the deadline");
            await Task.Delay(100);
        }
    }

    /// <summary>A migration of database app (pgbench, scale 1) syncing with its runner in this process, and PgBouncer's entry app leading to the source.</summary>
    internal sealed class Setup : IAsyncDisposable
    {
        private readonly CancellationTokenSource _detach = new();

        private Setup(RelayScenario scenario, PgBouncerProcess bouncer, string originalIni, Task<MigrationRecord> run)
        {
            Scenario = scenario;
            Bouncer = bouncer;
            OriginalIni = originalIni;
            Run = run;
        }

        public RelayScenario Scenario { get; }

        public PgBouncerProcess Bouncer { get; }

        public string OriginalIni { get; }

        public Task<MigrationRecord> Run { get; private set; }

        public string Directory => Bouncer.Root;

        public string AdminConninfo => $"postgres://postgres@127.0.0.1:{Bouncer.Port}/pgbouncer?sslmode=disable";

        public static async Task<Setup> StartAsync(string method, bool runner = true)
        {
            Skip.IfNot(PgBouncerProcess.Installed, "PgBouncer is not installed (scripts/install-deps.sh)");
            var scenario = await RelayScenario.StartAsync();
            PgBouncerProcess? bouncer = null;
            try
            {
                await scenario.Source.ExecuteAsync("CREATE DATABASE app");
                await Pgbench.InitAsync(scenario.Source, "app", 1);
                bouncer = await PgBouncerProcess.StartAsync([$"app = host=127.0.0.1 port={scenario.Source.Port} dbname=app pool_size=8"]);
                var setup = new Setup(scenario, bouncer, await File.ReadAllTextAsync(bouncer.IniPath), Task.FromResult<MigrationRecord>(null!));
                if (runner)
                    await setup.StartRunnerAsync(method);
                return setup;
            }
            catch
            {
                if (bouncer is not null)
                    await bouncer.DisposeAsync();
                await scenario.DisposeAsync();
                throw;
            }
        }

        private async Task StartRunnerAsync(string method)
        {
            var options = method == "subscription" ? SubscriptionMigration.Options(Scenario) : Scenario.Options();
            (_, Run) = await Scenario.RunAsync(options with { IgnoreDatabases = ["postgres"] }, _detach.Token);
            await Scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout, Run);
        }

        /// <summary><c>pgmove cutover --pgbouncer</c> in a child process (the runner in this process does the work).</summary>
        public Task<(int ExitCode, string Output)> CutoverAsync(params string[] extra) =>
            PgMoveProcess.RunAsync(Scenario.CliEnvironment(), Timeout, ["cutover", "--state", Scenario.StatePath, "--pgbouncer", AdminConninfo, .. extra]);

        public Task<(int ExitCode, string Output)> CutoverCommandAsync(string command) =>
            PgMoveProcess.RunAsync(Scenario.CliEnvironment(), Timeout, "cutover", "--state", Scenario.StatePath, "--switch-command", command);

        public async ValueTask DisposeAsync()
        {
            await _detach.CancelAsync();
            try
            {
                await Run;
            }
            catch (OperationCanceledException)
            {
            }
            await Bouncer.DisposeAsync();
            await Scenario.DisposeAsync();
            _detach.Dispose();
        }
    }
}
