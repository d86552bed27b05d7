using System.Net;
using System.Text.Json;
using PgMove.Core.State;
using PgMove.Core.Switch;
using PgMove.Server.Configuration;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Server;

/// <summary>
/// The service's application switch: the PgBouncer set for a cluster in the configuration, asked with
/// <c>{"switch":"pgbouncer"}</c> on POST /api/migrations/{id}/cutover, on real servers (15 → 17) and a real PgBouncer.
/// Whatever the switch cannot do is refused (422) before anything is asked; the service never runs a command. The switch
/// itself under pgbench, through the service, is <see cref="ServiceFallbackTests"/>' scenario (cutover, fallback, cutover).
/// </summary>
public sealed class ServiceSwitchTests
{
    private static readonly Guid ClusterId = Guid.Parse("3f0c2a55-8d6e-4b7a-9c1e-5a2b7d4e9f10");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string OnlineMigration = $"/v2/databases/{ClusterId}/online-migration";

    [SkippableFact]
    public async Task Cutover_SwitchThePgBouncerCannotMake_Refused422NothingAskedThenAPlainCutoverSucceeds()
    {
        Skip.IfNot(PgBouncerProcess.Installed, "PgBouncer is not installed (scripts/install-deps.sh)");
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g", "shop");
        var plain = TestService.Cluster(scenario.Target, ClusterId);
        string id;

        // No PgBouncer configured for the cluster.
        await using (var service = await TestService.StartAsync(scenario.StatePath, [plain]))
        {
            id = await StartSyncingAsync(service, scenario);
            using var refused = await service.Client.PostAsync($"/api/migrations/{id}/cutover", TestService.Json("{\"switch\":\"pgbouncer\",\"freeze_source\":true}"));
            await OnlineMigrationApiTests.AssertErrorAsync(refused, HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "has no PgBouncer in the service's configuration");
            AssertNothingAsked(scenario, id);
        }

        // A PgBouncer whose entries lead elsewhere (to the target): it has nothing to switch.
        await using var elsewhere = await PgBouncerProcess.StartAsync([$"shop = host=127.0.0.1 port={scenario.Target.Port} dbname=shop"]);
        await using (var service = await TestService.StartAsync(scenario.StatePath, [plain with { PgBouncer = new SwitchSettings { PgBouncerAdmin = elsewhere.AdminSpec } }]))
        {
            await WaitRunningAsync(service, id);
            using var refused = await service.Client.PostAsync($"/api/migrations/{id}/cutover", TestService.Json("{\"switch\":\"pgbouncer\"}"));
            var error = await OnlineMigrationApiTests.AssertErrorAsync(refused, HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "No entry of");
            Assert.Contains($"shop = 127.0.0.1:{scenario.Target.Port}/shop", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            // The fix speaks of the service's configuration, not of the CLI's options.
            Assert.Contains("the cluster's pgbouncer.admin setting", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("--pgbouncer", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            AssertNothingAsked(scenario, id);
        }

        // An ini the service cannot write (read-only), though its entry leads to the source.
        var readOnlyIni = Path.Combine(scenario.StateDirectory, "pgbouncer-read-only.ini");
        await File.WriteAllTextAsync(readOnlyIni, $"[databases]\nshop = host=127.0.0.1 port={scenario.Source.Port} dbname=shop\n");
        File.SetUnixFileMode(readOnlyIni, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (var service = await TestService.StartAsync(scenario.StatePath, [plain with { PgBouncer = new SwitchSettings { PgBouncerAdmin = elsewhere.AdminSpec, PgBouncerIni = readOnlyIni } }]))
        {
            await WaitRunningAsync(service, id);
            using var refused = await service.Client.PostAsync($"/api/migrations/{id}/cutover", TestService.Json("{\"switch\":\"pgbouncer\"}"));
            var error = await OnlineMigrationApiTests.AssertErrorAsync(refused, HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "read-only");
            Assert.Contains("Run pgmove serve as a user that can write", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            AssertNothingAsked(scenario, id);
        }

        // A PgBouncer that does not answer (nothing listens on its port); then a cutover without switch goes through.
        var unreachable = new SwitchSettings { PgBouncerAdmin = new Core.Connections.ConnectionSpec { Host = "127.0.0.1", Port = FreePorts.Next(), Database = "pgbouncer", Username = "postgres", Password = "b0uncer-pw", SslMode = Core.Connections.TlsMode.Disable, ConnectTimeoutSeconds = 5 } };
        await using (var service = await TestService.StartAsync(scenario.StatePath, [plain with { PgBouncer = unreachable }]))
        {
            await WaitRunningAsync(service, id);
            using var refused = await service.Client.PostAsync($"/api/migrations/{id}/cutover", TestService.Json("{\"switch\":\"pgbouncer\"}"));
            var error = await OnlineMigrationApiTests.AssertErrorAsync(refused, HttpStatusCode.UnprocessableEntity, "unprocessable_entity", "cannot switch the applications; nothing was asked");
            Assert.DoesNotContain("b0uncer-pw", error.ToString(), StringComparison.Ordinal);
            AssertNothingAsked(scenario, id);
            // Still a migration that streams (a resumed one is running a moment, then syncing again).
            await service.WaitForAsync($"/api/migrations/{id}", m => m.GetProperty("status").GetString() == "syncing", Timeout);

            using var cutover = await service.Client.PostAsync($"/api/migrations/{id}/cutover", null);
            Assert.Equal(HttpStatusCode.Accepted, cutover.StatusCode);
            var done = await service.WaitForAsync($"/api/migrations/{id}", m => m.GetProperty("status").GetString() is "done" or "error", Timeout);
            Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
            Assert.False(done.TryGetProperty("applications", out _), done.ToString());
        }
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    private static async Task<string> StartSyncingAsync(TestService service, RelayScenario scenario)
    {
        using var put = await service.Client.PutAsync(OnlineMigration, TestService.Json(TestService.StartBody(scenario.Source, ignore: ["postgres"])));
        var text = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, text);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        await service.WaitForAsync($"/api/migrations/{id}", m => m.GetProperty("status").GetString() is "syncing" or "error", Timeout);
        Assert.Equal("syncing", (await service.GetJsonAsync($"/api/migrations/{id}")).GetProperty("status").GetString());
        return id;
    }

    /// <summary>The restarted service has resumed the migration (the record's runner may still name this very process from before).</summary>
    private static Task WaitRunningAsync(TestService service, string id) => WaitForAsync(() => Task.FromResult(service.Running.Contains(id)));

    /// <summary>No request and no switch settings in the store: the runner has nothing to act on.</summary>
    internal static void AssertNothingAsked(RelayScenario scenario, string id)
    {
        using var store = MigrationStore.Open(scenario.StatePath);
        var record = store.Get(id)!;
        Assert.Null(record.Request);
        Assert.Null(record.SwitchStep);
        Assert.Null(store.ReadSwitch(id));
    }

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
}
