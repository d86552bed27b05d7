using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PgMove.Core.Switch;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Server;

/// <summary>
/// The service's way back after a cutover with fallback (POST /api/migrations/{id}/fallback and /finish) on real servers
/// (15 → 17) and a real PgBouncer: the applications go to the new server and back through the cluster's PgBouncer without
/// a failed or lost transaction; a retry is an answer; a finish also ends a stream back left in error by a failed undo; a
/// request with nothing to act on, or a cutover body that is not one (a command among them), is refused with the reason
/// before anything is asked.
/// </summary>
public sealed partial class ServiceFallbackTests
{
    private static readonly Guid ClusterId = Guid.Parse("6b1e9d42-3a7c-4f85-b2d0-8e4c1a9f7d36");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task FallbackAndFinish_PgbenchThroughTheClustersPgBouncer_BackOnTheSourceWithEveryTransactionThenFinishLeavesNothing()
    {
        Skip.IfNot(PgBouncerProcess.Installed, "PgBouncer is not installed (scripts/install-deps.sh)");
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await Pgbench.InitAsync(scenario.Source, "app", 1);
        await using var bouncer = await PgBouncerProcess.StartAsync([$"app = host=127.0.0.1 port={scenario.Source.Port} dbname=app pool_size=8"]);
        var cluster = TestService.Cluster(scenario.Target, ClusterId) with
        {
            PgBouncer = new SwitchSettings { PgBouncerAdmin = bouncer.AdminSpec, PauseTimeoutSeconds = 30, CatchUpTimeoutSeconds = 120 },
        };
        await using var service = await TestService.StartAsync(scenario.StatePath, [cluster]);
        using var put = await service.Client.PutAsync($"/v2/databases/{ClusterId}/online-migration", TestService.Json(TestService.StartBody(scenario.Source, ignore: ["postgres"])));
        var started = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, started);
        var id = JsonDocument.Parse(started).RootElement.GetProperty("id").GetString()!;
        var path = $"/api/migrations/{id}";
        await service.WaitForAsync(path, m => Status(m) is "syncing" or "error", Timeout);

        // Nothing to fall back to or finish yet, an unknown migration, no token, a body that is not a fallback request.
        await PostRefusedAsync(service, $"{path}/fallback", Pgbouncer, HttpStatusCode.Conflict, "conflict", "it was not cut over with fallback");
        await PostRefusedAsync(service, $"{path}/finish", null, HttpStatusCode.Conflict, "conflict", "was not cut over with fallback: there is nothing to finish");
        await PostRefusedAsync(service, "/api/migrations/no-such-migration/fallback", Pgbouncer, HttpStatusCode.NotFound, "not_found", "There is no migration no-such-migration");
        await PostRefusedAsync(service, "/api/migrations/no-such-migration/finish", null, HttpStatusCode.NotFound, "not_found", "There is no migration no-such-migration");
        await PostRefusedAsync(service, $"{path}/fallback", "{}", HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "switch is required");
        await PostRefusedAsync(service, $"{path}/fallback", "{\"switch\":\"pgbouncer\",\"command\":\"true\"}", HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "command is not a known field");
        await PostRefusedAsync(service, $"{path}/finish", "{\"now\":true}", HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "now is not a known field");
        using (var anonymous = new HttpClient { BaseAddress = new Uri(service.BaseAddress) })
        {
            using var refused = await anonymous.PostAsync($"{path}/fallback", TestService.Json(Pgbouncer));
            await OnlineMigrationApiTests.AssertErrorAsync(refused, HttpStatusCode.Unauthorized, "unauthorized", "Unable to authenticate you.");
        }
        Assert.Equal("syncing", Status(await service.GetJsonAsync(path)));
        // Bodies that are not a valid cutover (a command among them) are refused, and nothing is asked.
        foreach (var (body, expected) in new[]
                 {
                     ("{\"switch\":\"pgbouncer\",\"command\":\"touch /tmp/pgmove-switched\"}", "command is not a known field"),
                     ("{\"switch\":\"./point-dns-at-target.sh\"}", "the service never runs a command"),
                     ("{\"switch\":true}", "switch must be \"pgbouncer\""),
                     ("{\"freeze_source\":\"yes\"}", "freeze_source must be true or false"),
                     ("[\"pgbouncer\"]", "JSON object"),
                     ("{\"switch\":", "not valid JSON"),
                 })
        {
            await PostRefusedAsync(service, $"{path}/cutover", body, HttpStatusCode.UnprocessableEntity, "unprocessable_entity", expected);
            ServiceSwitchTests.AssertNothingAsked(scenario, id);
        }

        // Cutover with fallback while pgbench writes through PgBouncer.
        var load = Pgbench.RunThroughAsync(bouncer.Host, bouncer.Port, ["-n", "-c", "2", "-R", Pgbench.Rate, "-T", "15", "app"]);
        await FallbackWaitAsync(async () => await History(scenario.Source) > 50);
        await PostAcceptedAsync(service, $"{path}/cutover", "{\"switch\":\"pgbouncer\",\"fallback\":true}");
        var cutOver = await service.WaitForAsync(path, m => Status(m) is "done" or "error" && m.TryGetProperty("fallback", out var f) && f.GetProperty("status").GetString() is "syncing" or "error" or "canceled", Timeout);
        Assert.True(Status(cutOver) == "done" && cutOver.GetProperty("fallback").GetProperty("active").GetBoolean(), cutOver.ToString());
        Assert.Equal("target", cutOver.GetProperty("applications").GetString());
        Assert.DoesNotContain(PgCluster.SuperuserPassword, cutOver.ToString(), StringComparison.Ordinal);
        // PgBouncer's entry leads to the target, in the running PgBouncer and in its ini.
        Assert.Equal(scenario.Target.Port, await bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        Assert.Contains($"port={scenario.Target.Port}", await File.ReadAllTextAsync(bouncer.IniPath), StringComparison.Ordinal);
        // A retried cutover is an answer: the migration as recorded.
        using (var again = await service.Client.PostAsync($"{path}/cutover", TestService.Json("{\"switch\":\"pgbouncer\",\"fallback\":true}")))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("target", JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("applications").GetString());
        }
        var firstReverse = cutOver.GetProperty("fallback").GetProperty("migration_id").GetString();
        // The reverse stream in the metrics: the migration's fallback active, the stream's lag labelled as such.
        await FallbackWaitAsync(async () =>
        {
            var metrics = await service.Client.GetStringAsync("/metrics");
            return Regex.IsMatch(metrics, $@"pgmove_fallback_active\{{[^}}]*migration_id=""{id}""[^}}]*\}} 1")
                && Regex.IsMatch(metrics, $@"pgmove_lag_bytes\{{[^}}]*direction=""fallback""[^}}]*migration_id=""{firstReverse}""");
        });
        var loads = new List<(int Exit, string Output)> { await load };

        // pgbench writes to the 17, the 15 follows; the fallback moves the applications back meanwhile.
        load = Pgbench.RunThroughAsync(bouncer.Host, bouncer.Port, ["-n", "-c", "2", "-R", Pgbench.Rate, "-T", "15", "app"]);
        var onTarget = await History(scenario.Target);
        await FallbackWaitAsync(async () => await History(scenario.Source) > onTarget + 50);
        var accepted = await PostAcceptedAsync(service, $"{path}/fallback", Pgbouncer);
        Assert.True(accepted.GetProperty("fallback").GetProperty("active").GetBoolean(), accepted.ToString());
        var fellBack = await service.WaitForAsync(path, m => m.GetProperty("fallback").GetProperty("status").GetString() is "done" or "error" or "canceled"
            || m.GetProperty("fallback").TryGetProperty("error", out _), Timeout);
        Assert.True(fellBack.GetProperty("fallback").GetProperty("status").GetString() == "done", fellBack.ToString());
        Assert.Equal(scenario.Source.Port, await bouncer.ScalarAsync<int>("app", "SELECT inet_server_port()"));
        loads.Add(await load);
        // And pgbench writes to the 15 again.
        loads.Add(await Pgbench.RunThroughAsync(bouncer.Host, bouncer.Port, ["-n", "-c", "2", "-t", "25", "app"]));
        foreach (var (exit, output) in loads)
        {
            Assert.True(exit == 0, output);
            Assert.Matches(@"number of failed transactions: 0\b", output);
        }
        var processed = loads.Sum(l => long.Parse(ProcessedPattern().Match(l.Output).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(processed, await History(scenario.Source));
        Assert.True(await scenario.Source.ScalarAsync<bool>("SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)", "app"));
        // The migration is syncing again: the 17 follows the 15.
        var syncing = await service.WaitForAsync(path, m => Status(m) is "syncing" or "error" && m.GetProperty("databases").EnumerateArray().All(d => d.GetProperty("phase").GetString() == "streaming"), Timeout);
        Assert.Equal("syncing", Status(syncing));
        Assert.False(syncing.GetProperty("fallback").GetProperty("active").GetBoolean());
        await FallbackWaitAsync(async () => await History(scenario.Target) == processed);

        // A retried fallback is an answer: it already fell back.
        using (var again = await service.Client.PostAsync($"{path}/fallback", TestService.Json(Pgbouncer)))
        {
            var text = await again.Content.ReadAsStringAsync();
            Assert.True(again.StatusCode == HttpStatusCode.OK, text);
            Assert.Contains("has already fallen back", JsonDocument.Parse(text).RootElement.GetProperty("note").GetString(), StringComparison.Ordinal);
        }

        // Cut over with fallback again, then finish: nothing of PgMove's is left on the new server (nor on the old one).
        await PostAcceptedAsync(service, $"{path}/cutover", "{\"switch\":\"pgbouncer\",\"fallback\":true}");
        var second = await service.WaitForAsync(path, m => Status(m) is "done" or "error" && m.GetProperty("fallback").GetProperty("migration_id").GetString() != firstReverse
            && m.GetProperty("fallback").GetProperty("status").GetString() is "syncing" or "error" or "canceled", Timeout);
        Assert.True(Status(second) == "done" && second.GetProperty("fallback").GetProperty("active").GetBoolean(), second.ToString());
        // And a stream back left in error by a failed undo, its slot still on the 17: the finish ends it too.
        var failed = await Fallback.FallbackTests.AddFailedEarlierStreamAsync(scenario, id,
            Fallback.FallbackTests.Record(scenario, second.GetProperty("fallback").GetProperty("migration_id").GetString()!));
        using (var finish = await service.Client.PostAsync($"{path}/finish", null))
        {
            var text = await finish.Content.ReadAsStringAsync();
            Assert.True(finish.StatusCode == HttpStatusCode.OK, text);
            var finished = JsonDocument.Parse(text).RootElement;
            Assert.Contains("is finished", finished.GetProperty("note").GetString(), StringComparison.Ordinal);
            Assert.Contains($"({failed.Id}) are dropped too", finished.GetProperty("note").GetString(), StringComparison.Ordinal);
            Assert.Equal("canceled", finished.GetProperty("fallback").GetProperty("status").GetString());
            Assert.False(finished.GetProperty("fallback").GetProperty("active").GetBoolean());
        }
        await SourceHygiene.AssertCleanAsync(scenario.Target);
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        using (var again = await service.Client.PostAsync($"{path}/finish", null))
        {
            var text = await again.Content.ReadAsStringAsync();
            Assert.True(again.StatusCode == HttpStatusCode.OK, text);
            Assert.Contains("was already canceled", JsonDocument.Parse(text).RootElement.GetProperty("note").GetString(), StringComparison.Ordinal);
        }
        await PostRefusedAsync(service, $"{path}/fallback", Pgbouncer, HttpStatusCode.Conflict, "conflict", "its fallback is canceled");
        Assert.Empty(service.Running);
        Assert.DoesNotContain(PgCluster.SuperuserPassword, (await service.GetJsonAsync(path)).ToString(), StringComparison.Ordinal);
    }

    private const string Pgbouncer = "{\"switch\":\"pgbouncer\"}";

    private static string? Status(JsonElement migration) => migration.GetProperty("status").GetString();

    private static Task<long> History(PgCluster cluster) => cluster.ScalarAsync<long>("SELECT count(*) FROM pgbench_history", "app");

    private static async Task<JsonElement> PostAcceptedAsync(TestService service, string path, string body)
    {
        using var response = await service.Client.PostAsync(path, TestService.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task PostRefusedAsync(TestService service, string path, string? body, HttpStatusCode status, string errorId, string expected)
    {
        using var response = await service.Client.PostAsync(path, body is null ? null : TestService.Json(body));
        await OnlineMigrationApiTests.AssertErrorAsync(response, status, errorId, expected);
    }

    private static Task FallbackWaitAsync(Func<Task<bool>> condition) => Fallback.FallbackTests.WaitForAsync(condition);

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();
}
