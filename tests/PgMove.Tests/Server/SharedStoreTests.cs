using System.Net;
using System.Text.Json;
using PgMove.Core.Connections;
using PgMove.Core.State;
using PgMove.Server.Configuration;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using PgMove.Tests.State;

namespace PgMove.Tests.Server;

/// <summary>
/// Two service nodes sharing one PostgreSQL store and one source/target pair: a child <c>pgmove serve</c> and a
/// service in this process. Only the node holding the lease runs the migration; when it is killed, the other takes
/// it over within the lease; a stop sent to a node that does not run it reaches the one that does.
/// </summary>
public sealed class SharedStoreTests
{
    private static readonly Guid ClusterId = Guid.Parse("0f3d6a52-8c41-4e0b-9a7d-3c2e5b1f9a64");
    private static readonly string Path = $"/v2/databases/{ClusterId}/online-migration";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task TwoNodes_OneRunsIt_KilledNodeTakenOverWithinLease_StopFromOtherNode()
    {
        await using var store = new StoreCluster();
        var storeTask = store.GetAsync();
        await using var scenario = await RelayScenario.StartAsync();
        var storeServer = await storeTask;
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g", "shop");

        // Node A: the real pgmove serve, configured as a deployment would be (node id left to its default, host:pid).
        var port = FreePorts.Next();
        var config = System.IO.Path.Combine(store.Directory, "pgmove.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            listen = $"http://127.0.0.1:{port}",
            tokens = new[] { TestService.Token },
            store = new { postgres = $"postgres://postgres@127.0.0.1:{storeServer.Port}/postgres?sslmode=disable", keyFile = store.KeyFile, leaseSeconds = (int)Lease.TotalSeconds },
            clusters = new[] { new { uuid = ClusterId.ToString(), name = "target", connection = $"postgres://postgres@127.0.0.1:{scenario.Target.Port}/postgres?sslmode=disable" } },
            jobs = 2,
        }));
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = PgCluster.SuperuserPassword };
        using var nodeA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(120) };
        nodeA.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestService.Token);

        // Node B: this process.
        var shared = new SharedStoreSettings(storeServer.Spec(), store.KeyFile, new PostgresStoreOptions { NodeId = "node-b", Lease = Lease });
        await using var nodeB = await TestService.StartAsync(System.IO.Path.Combine(store.Directory, "unused.db"),
            [TestService.Cluster(scenario.Target, ClusterId)], sharedStore: shared);

        string id;
        string logs;
        await using (var first = PgMoveProcess.Start(environment, "serve", "--config", config))
        {
            await WaitHealthyAsync(nodeA, first);
            using var put = await nodeA.PutAsync(Path, TestService.Json(TestService.StartBody(scenario.Source)));
            var text = await put.Content.ReadAsStringAsync();
            Assert.True(put.StatusCode == HttpStatusCode.OK, text + first.Output);
            id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;

            // B sees it through the store, and never runs it while A holds the lease.
            var deadline = DateTimeOffset.UtcNow + Timeout;
            while (Status(await nodeB.GetJsonAsync(Path)) != "syncing")
            {
                Assert.Empty(nodeB.Running);
                Assert.True(DateTimeOffset.UtcNow < deadline, first.Output);
                await Task.Delay(300);
            }
            for (var i = 0; i < 2 * Lease.TotalSeconds; i++)
            {
                Assert.Empty(nodeB.Running);
                await Task.Delay(500);
            }
            Assert.Equal($"{Environment.MachineName}:{first.Id}", await LeaseOwnerAsync(storeServer, id));
            // One walsender per database of the migration (postgres and shop), all A's: B opened none.
            Assert.Equal(2L, await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM pg_stat_replication"));
            await scenario.Source.ExecuteAsync("INSERT INTO items SELECT g, 'before kill ' || g FROM generate_series(501, 600) g", "shop");

            await first.KillAsync(); // kill -9: no detach, the lease is not released
            logs = first.Output;
        }

        // B takes it over once the lease expires (plus at most a third of it for B's next look) and catches up.
        var killedAt = DateTimeOffset.UtcNow;
        while (!nodeB.Running.Contains(id))
        {
            Assert.True(DateTimeOffset.UtcNow - killedAt < Lease * 2, "node B did not take the migration over within the lease");
            await Task.Delay(200);
        }
        Assert.Equal("node-b", await LeaseOwnerAsync(storeServer, id));
        await scenario.Source.ExecuteAsync("INSERT INTO items SELECT g, 'after kill ' || g FROM generate_series(601, 700) g", "shop");
        var caughtUp = DateTimeOffset.UtcNow + Timeout;
        while (await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop") < 700)
        {
            Assert.True(DateTimeOffset.UtcNow < caughtUp, "the target did not catch up after the takeover");
            await Task.Delay(300);
        }
        await nodeB.WaitForAsync(Path, m => Status(m) == "syncing", Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");

        // A comes back (a new process, a new node id): it leaves B's migration alone, and a DELETE sent to it stops it.
        await using (var second = PgMoveProcess.Start(environment, "serve", "--config", config))
        {
            await WaitHealthyAsync(nodeA, second);
            await Task.Delay(Lease / 2);
            var health = JsonDocument.Parse(await nodeA.GetStringAsync("/healthz")).RootElement;
            Assert.Equal(0, health.GetProperty("running_here").GetInt32());
            using var delete = await nodeA.DeleteAsync($"{Path}/{id}");
            Assert.True(delete.StatusCode == HttpStatusCode.NoContent, await delete.Content.ReadAsStringAsync() + second.Output);
            Assert.Equal("canceled", Status(JsonDocument.Parse(await nodeA.GetStringAsync(Path)).RootElement));
            await second.InterruptAsync();
            logs += second.Output;
        }
        var stopped = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (nodeB.Running.Count > 0 && DateTimeOffset.UtcNow < stopped)
            await Task.Delay(200);
        Assert.Empty(nodeB.Running);
        Assert.Null(await LeaseOwnerAsync(storeServer, id));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
        Assert.DoesNotContain(PgCluster.SuperuserPassword, logs, StringComparison.Ordinal);
    }

    private static string? Status(JsonElement migration) => migration.GetProperty("status").GetString();

    internal static async Task<string?> LeaseOwnerAsync(PgCluster storeServer, string id)
    {
        await using var connection = await storeServer.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT lease_owner FROM {PostgresMigrationStore.DefaultSchema}.migrations WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync() as string;
    }

    internal static async Task WaitHealthyAsync(HttpClient http, PgMoveProcess process)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            Assert.False(process.HasExited, process.Output);
            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException) when (DateTimeOffset.UtcNow < deadline)
            {
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, process.Output);
            await Task.Delay(200);
        }
    }
}
