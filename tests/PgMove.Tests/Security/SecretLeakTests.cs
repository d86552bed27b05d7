using System.Text;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Security;

/// <summary>
/// A full migration with a recognisable password, at debug log level: the password never appears in stdout,
/// stderr, the log file, the state store (in clear), error messages, or the command line of pgmove and of the
/// pg_dump / pg_restore / pg_dumpall it runs (sampled from /proc while it runs). The API's responses belong to the
/// service's own tests.
/// </summary>
public sealed class SecretLeakTests
{
    private const string Canary = "Canary-7f3a9c-pw";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [SkippableFact]
    public async Task Migration_DebugLoggingWithRecognisablePassword_PasswordAppearsNowhere()
    {
        await using var scenario = await RelayScenario.StartAsync(new ClusterOptions { Major = 15, PasswordAuth = true }, new ClusterOptions { Major = 17, PasswordAuth = true });
        foreach (var cluster in new[] { scenario.Source, scenario.Target })
            await cluster.ExecuteAsync($"CREATE ROLE mover LOGIN SUPERUSER REPLICATION PASSWORD '{Canary}'");
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g", "shop");
        var logFile = Path.Combine(scenario.StateDirectory, "pgmove.log");
        var environment = new Dictionary<string, string>
        {
            ["PGMOVE_SOURCE"] = $"postgres://mover:{Canary}@127.0.0.1:{scenario.Source.Port}/postgres?sslmode=disable",
            ["PGMOVE_TARGET"] = $"host=127.0.0.1 port={scenario.Target.Port} dbname=postgres user=mover password={Canary} sslmode=disable",
        };
        var outputs = new StringBuilder();
        var commandLines = new List<string>();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleCommandLinesAsync(commandLines, sampling.Token);

        await using (var runner = PgMoveProcess.Start(environment, "start", "--state", scenario.StatePath, "--log-level", "debug", "--log-file", logFile))
        {
            await scenario.WaitForAsync(r => r.Status == MigrationStatus.Syncing, Timeout);
            await scenario.Source.ExecuteAsync("INSERT INTO items VALUES (20001, 'streamed')", "shop");
            foreach (var args in new[] { new[] { "status", "--json" }, ["status"] })
                outputs.AppendLine((await PgMoveProcess.RunAsync(environment, Timeout, [.. args, "--state", scenario.StatePath, "--log-level", "debug"])).Output);
            var (code, cutover) = await PgMoveProcess.RunAsync(environment, Timeout, "cutover", "--state", scenario.StatePath, "--log-level", "debug");
            outputs.AppendLine(cutover);
            Assert.True(code == 0, cutover + runner.Output);
            using var wait = new CancellationTokenSource(Timeout);
            await runner.WaitForExitAsync(wait.Token);
            outputs.AppendLine(runner.Output);
        }
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(20001, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));

        // Error messages, with the password in the connection strings that fail.
        var failing = new Dictionary<string, string>(environment)
        {
            ["PGMOVE_TARGET"] = $"postgres://mover:{Canary}@127.0.0.1:{scenario.Target.Port}/nosuchdb?sslmode=disable",
        };
        outputs.AppendLine((await PgMoveProcess.RunAsync(failing, Timeout, "check", "--log-level", "debug")).Output);
        outputs.AppendLine((await PgMoveProcess.RunAsync(failing, Timeout, "check", "--json")).Output);
        outputs.AppendLine((await PgMoveProcess.RunAsync(environment, Timeout, "check", "--source", $"postgres://mover:{Canary}@127.0.0.1:{scenario.Source.Port}/postgres?sslmode=disable&options=-c%20x=1")).Output);
        outputs.AppendLine((await PgMoveProcess.RunAsync(environment, Timeout, "verify", "--target", $"postgres://mover:wrong-{Canary}@127.0.0.1:{scenario.Target.Port}/postgres?sslmode=disable")).Output);
        outputs.AppendLine((await PgMoveProcess.RunAsync(environment, Timeout, "verify", "--log-level", "debug")).Output);

        var all = outputs.ToString();
        Assert.DoesNotContain(Canary, all, StringComparison.Ordinal);
        Assert.Contains("mover@127.0.0.1", all, StringComparison.Ordinal); // the connection strings were shown, without the password

        var log = await File.ReadAllTextAsync(logFile);
        Assert.Contains("\"EventId\":{\"Id\":2002", log, StringComparison.Ordinal); // slot created: the log was written
        Assert.DoesNotContain(Canary, log, StringComparison.Ordinal);

        foreach (var file in Directory.GetFiles(scenario.StateDirectory))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(Canary)), $"{Path.GetFileName(file)} holds the password in clear");
        }

        Assert.Contains(commandLines, c => c.Contains("pg_dump", StringComparison.Ordinal));
        // The pgmove start process itself was sampled (native program or pgmove.dll): its own arguments, no password.
        Assert.Contains(commandLines, c => c.Contains($"start --state {scenario.StatePath}", StringComparison.Ordinal));
        Assert.DoesNotContain(commandLines, c => c.Contains(Canary, StringComparison.Ordinal));
    }

    /// <summary>Every distinct command line of the machine's processes, read from /proc every few milliseconds.</summary>
    private static async Task SampleCommandLinesAsync(List<string> seen, CancellationToken ct)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        while (!ct.IsCancellationRequested)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!char.IsAsciiDigit(Path.GetFileName(dir)[0]))
                    continue;
                try
                {
                    var text = (await File.ReadAllTextAsync(Path.Combine(dir, "cmdline"), CancellationToken.None)).Replace('\0', ' ');
                    if ((text.Contains("pg_dump", StringComparison.Ordinal) || text.Contains("pg_restore", StringComparison.Ordinal)
                         || text.Contains("pgmove", StringComparison.Ordinal)) && distinct.Add(text))
                        seen.Add(text);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    // The process ended meanwhile.
                }
            }
            try
            {
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
