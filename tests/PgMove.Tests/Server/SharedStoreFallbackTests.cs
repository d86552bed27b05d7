using System.Net;
using System.Text.Json;
using PgMove.Core.State;
using PgMove.Server.Configuration;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;
using PgMove.Tests.Fallback;
using PgMove.Tests.State;

namespace PgMove.Tests.Server;

/// <summary>
/// A fallback stream with a shared PostgreSQL store (15 → 17, a real PgBouncer): the node that ran the cutover with fallback
/// leases and runs the stream back; a second node leaves it alone while that lease lives, takes it over when the node is
/// killed (kill -9), and the old server ends holding every row written on the new one, once.
/// </summary>
public sealed class SharedStoreFallbackTests
{
    private static readonly Guid ClusterId = Guid.Parse("c2a7e4d1-5b93-4f60-8e1a-7d3b9c0f2e58");
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task FallbackStream_LeasedByTheCutoverNode_KilledNodeTakenOverByTheOther_NoRowLostOrDoubled()
    {
        Skip.IfNot(PgBouncerProcess.Installed, "PgBouncer is not installed (scripts/install-deps.sh)");
        await using var store = new StoreCluster();
        var storeTask = store.GetAsync();
        await using var scenario = await RelayScenario.StartAsync();
        var storeServer = await storeTask;
        await scenario.Source.ExecuteAsync("CREATE DATABASE app");
        await scenario.Source.ExecuteAsync("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'before ' || g FROM generate_series(1, 100) g", "app");
        await using var bouncer = await PgBouncerProcess.StartAsync([$"app = host=127.0.0.1 port={scenario.Source.Port} dbname=app"]);

        // Node A: the real pgmove serve, with the cluster's PgBouncer.
        var port = FreePorts.Next();
        var config = Path.Combine(store.Directory, "pgmove.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            listen = $"http://127.0.0.1:{port}",
            tokens = new[] { TestService.Token },
            store = new { postgres = $"postgres://postgres@127.0.0.1:{storeServer.Port}/postgres?sslmode=disable", keyFile = store.KeyFile, leaseSeconds = (int)Lease.TotalSeconds },
            clusters = new[]
            {
                new
                {
                    uuid = ClusterId.ToString(), name = "target", connection = $"postgres://postgres@127.0.0.1:{scenario.Target.Port}/postgres?sslmode=disable",
                    pgbouncer = new { admin = $"postgres://postgres@127.0.0.1:{bouncer.Port}/pgbouncer?sslmode=disable", pauseTimeoutSeconds = 30, catchUpTimeoutSeconds = 120 },
                },
            },
            jobs = 2,
        }));
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = PgCluster.SuperuserPassword };
        using var nodeA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(120) };
        nodeA.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestService.Token);

        string id;
        string reverseId;
        string logs;
        TestService? nodeB = null;
        try
        {
            await using (var first = PgMoveProcess.Start(environment, "serve", "--config", config))
            {
                await SharedStoreTests.WaitHealthyAsync(nodeA, first);
                using var put = await nodeA.PutAsync($"/v2/databases/{ClusterId}/online-migration", TestService.Json(TestService.StartBody(scenario.Source, ignore: ["postgres"])));
                var text = await put.Content.ReadAsStringAsync();
                Assert.True(put.StatusCode == HttpStatusCode.OK, text + first.Output);
                id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
                await WaitForAsync(nodeA, id, m => Status(m) == "syncing", first);
                using var cutover = await nodeA.PostAsync($"/api/migrations/{id}/cutover", TestService.Json("{\"switch\":\"pgbouncer\",\"fallback\":true}"));
                Assert.True(cutover.StatusCode == HttpStatusCode.Accepted, await cutover.Content.ReadAsStringAsync() + first.Output);
                var cutOver = await WaitForAsync(nodeA, id, m => Status(m) is "done" or "error" && m.TryGetProperty("fallback", out var f) && f.GetProperty("status").GetString() != "running", first);
                Assert.True(Status(cutOver) == "done" && cutOver.GetProperty("fallback").GetProperty("active").GetBoolean(), cutOver.ToString());
                reverseId = cutOver.GetProperty("fallback").GetProperty("migration_id").GetString()!;
                Assert.Equal($"{Environment.MachineName}:{first.Id}", await SharedStoreTests.LeaseOwnerAsync(storeServer, reverseId));

                // Node B joins (this process) and never runs the stream while A holds its lease.
                var shared = new SharedStoreSettings(storeServer.Spec(), store.KeyFile, new PostgresStoreOptions { NodeId = "node-b", Lease = Lease });
                nodeB = await TestService.StartAsync(Path.Combine(store.Directory, "unused.db"),
                    [TestService.Cluster(scenario.Target, ClusterId) with { PgBouncer = new Core.Switch.SwitchSettings { PgBouncerAdmin = bouncer.AdminSpec } }], sharedStore: shared);
                await scenario.Target.ExecuteAsync("INSERT INTO t SELECT g, 'on the new server ' || g FROM generate_series(101, 200) g", "app");
                await FallbackTests.WaitForAsync(async () => await Rows(scenario.Source) == 200);
                for (var i = 0; i < 2 * Lease.TotalSeconds; i++)
                {
                    Assert.Empty(nodeB.Running);
                    await Task.Delay(500);
                }
                // One walsender on the new server (the stream's, database app), A's.
                Assert.Equal(1L, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM pg_stat_replication"));
                Assert.Equal($"{Environment.MachineName}:{first.Id}", await SharedStoreTests.LeaseOwnerAsync(storeServer, reverseId));

                await first.KillAsync(); // kill -9: no detach, the lease is not released
                logs = first.Output;
            }

            // The new server takes writes meanwhile; B takes the stream over once A's lease expired, and the old server catches up.
            await scenario.Target.ExecuteAsync("INSERT INTO t SELECT g, 'after the kill ' || g FROM generate_series(201, 300) g; UPDATE t SET v = v || ' updated' WHERE id <= 50", "app");
            await FallbackTests.WaitForAsync(() => Task.FromResult(nodeB.Running.Contains(reverseId)));
            Assert.Equal("node-b", await SharedStoreTests.LeaseOwnerAsync(storeServer, reverseId));
            await FallbackTests.WaitForAsync(async () => await Rows(scenario.Source) == 300
                && await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM t WHERE v LIKE '% updated'", "app") == 50);
            await DataComparer.AssertSameAsync(scenario.Target, scenario.Source, "app");
            Assert.DoesNotContain(id, nodeB.Running);

            // Finish through B: nothing of PgMove's left on either server, no lease left.
            using var finish = await nodeB.Client.PostAsync($"/api/migrations/{id}/finish", null);
            var finished = await finish.Content.ReadAsStringAsync();
            Assert.True(finish.StatusCode == HttpStatusCode.OK, finished);
            Assert.Equal("canceled", JsonDocument.Parse(finished).RootElement.GetProperty("fallback").GetProperty("status").GetString());
            await FallbackTests.WaitForAsync(() => Task.FromResult(nodeB.Running.Count == 0));
            Assert.Null(await SharedStoreTests.LeaseOwnerAsync(storeServer, reverseId));
            await SourceHygiene.AssertCleanAsync(scenario.Target);
            await SourceHygiene.AssertCleanAsync(scenario.Source);
            Assert.DoesNotContain(PgCluster.SuperuserPassword, logs, StringComparison.Ordinal);
        }
        finally
        {
            if (nodeB is not null)
                await nodeB.DisposeAsync();
        }
    }

    private static string? Status(JsonElement migration) => migration.GetProperty("status").GetString();

    private static Task<long> Rows(PgCluster cluster) => cluster.ScalarAsync<long>("SELECT count(*) FROM t", "app");

    private static async Task<JsonElement> WaitForAsync(HttpClient node, string id, Func<JsonElement, bool> condition, PgMoveProcess process)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            var migration = JsonDocument.Parse(await node.GetStringAsync($"/api/migrations/{id}")).RootElement.Clone();
            if (condition(migration))
                return migration;
            Assert.True(DateTimeOffset.UtcNow < deadline, $"last: {migration}\n{process.Output}");
            await Task.Delay(300);
        }
    }
}
