using System.Net;
using Microsoft.Extensions.Time.Testing;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Server;

/// <summary>The background runner: resume after a restart of the service, cutover through the API, the 14-day stop.</summary>
public sealed class ServiceLifecycleTests
{
    private static readonly Guid ClusterId = Guid.Parse("5d7c86a4-2f7e-4a8e-9d59-2b1b9f3c0e11");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string Path = $"/v2/databases/{ClusterId}/online-migration";

    private static async Task<RelayScenario> ScenarioAsync()
    {
        var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g", "shop");
        return scenario;
    }

    private static async Task<string> StartSyncingAsync(TestService service, RelayScenario scenario)
    {
        using var put = await service.Client.PutAsync(Path, TestService.Json(TestService.StartBody(scenario.Source)));
        var text = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, text);
        var id = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        await service.WaitForAsync(Path, m => m.GetProperty("status").GetString() == "syncing", Timeout);
        return id;
    }

    [SkippableFact]
    public async Task Restart_ResumesMigrationFromStore_ThenCutoverThroughApi()
    {
        await using var scenario = await ScenarioAsync();
        var clusters = new[] { TestService.Cluster(scenario.Target, ClusterId) };
        string id;
        await using (var first = await TestService.StartAsync(scenario.StatePath, clusters))
            id = await StartSyncingAsync(first, scenario);

        // The service is gone; the migration is not: still syncing in the store, slots kept.
        var detached = scenario.Latest();
        Assert.Equal(MigrationStatus.Syncing, detached.Status);
        Assert.NotEmpty(await scenario.Source.ColumnAsync("SELECT slot_name FROM pg_replication_slots"));
        await scenario.Source.ExecuteAsync("INSERT INTO items SELECT g, 'while down ' || g FROM generate_series(501, 600) g", "shop");

        await using var second = await TestService.StartAsync(scenario.StatePath, clusters);
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop") < 600)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, RelayScenario.Describe(scenario.Latest()));
            await Task.Delay(300);
        }
        await second.WaitForAsync($"/api/migrations/{id}", m => m.GetProperty("status").GetString() == "syncing", Timeout);

        using var cutover = await second.Client.PostAsync($"/api/migrations/{id}/cutover", null);
        Assert.Equal(HttpStatusCode.Accepted, cutover.StatusCode);
        var done = await second.WaitForAsync(Path, m => m.GetProperty("status").GetString() is "done" or "error", Timeout);
        Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);

        // A retried cutover is an answer: the migration as it was recorded, 200.
        using var again = await second.Client.PostAsync($"/api/migrations/{id}/cutover", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"done\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var delete = await second.Client.DeleteAsync($"{Path}/{id}");
        await OnlineMigrationApiTests.AssertErrorAsync(delete, HttpStatusCode.Conflict, "conflict");
    }

    [SkippableFact]
    public async Task FourteenDays_OnTheServiceClock_StopsByItselfKeepingData()
    {
        await using var scenario = await ScenarioAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = await TestService.StartAsync(scenario.StatePath, [TestService.Cluster(scenario.Target, ClusterId)], clock);
        var id = await StartSyncingAsync(service, scenario);

        clock.Advance(TimeSpan.FromDays(13.9));
        await Task.Delay(2500);
        Assert.Equal("syncing", (await service.GetJsonAsync(Path)).GetProperty("status").GetString());

        clock.Advance(TimeSpan.FromDays(0.1));
        var canceled = await service.WaitForAsync(Path, m => m.GetProperty("status").GetString() != "syncing", Timeout);
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        var detail = await service.GetJsonAsync($"/api/migrations/{id}");
        Assert.Contains("after 14 days", detail.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Equal(500, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        using var store = MigrationStore.Open(scenario.StatePath);
        Assert.Equal(MigrationStatus.Canceled, store.Get(id)!.Status);
    }
}
