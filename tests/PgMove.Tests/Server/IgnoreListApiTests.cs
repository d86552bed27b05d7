using System.Net;
using System.Text.Json;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Server;

/// <summary>
/// DigitalOcean's documented example body names <c>"ignore_dbs": ["db0", "db1"]</c>; on a source without those
/// databases the migration starts (the names are a preflight warning, not a 422) and migrates every database.
/// </summary>
public sealed class IgnoreListApiTests(ServerPair pair) : IClassFixture<ServerPair>
{
    private static readonly Guid ClusterId = Guid.Parse("5b0e6f7c-3f0e-4a57-9a55-2f3c1d6a8e41");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string OnlineMigration => $"/v2/databases/{ClusterId}/online-migration";

    [SkippableFact]
    public async Task Put_DocumentedExampleIgnoreDbsMissingOnSource_StartsAndSyncs()
    {
        var (source, target) = await pair.GetAsync(async s =>
        {
            await s.ExecuteAsync("CREATE DATABASE shop");
            await s.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 500)", "shop");
        });
        await using var service = await TestService.StartAsync(pair.StorePath, [TestService.Cluster(target, ClusterId)]);
        var body = TestService.StartBody(source, ignore: ["db0", "db1"]);

        // PgMove's check endpoint: passed, with the warning naming both names and the databases that exist.
        using var check = await service.Client.PostAsync($"/api/clusters/{ClusterId}/check", TestService.Json(body));
        var report = JsonDocument.Parse(await check.Content.ReadAsStringAsync()).RootElement;
        Assert.True(report.GetProperty("passed").GetBoolean(), report.ToString());
        var warning = report.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == "source.databases" && c.GetProperty("status").GetString() == "warn");
        Assert.Contains("'db0', 'db1'", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("postgres, shop", warning.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var put = await service.Client.PutAsync(OnlineMigration, TestService.Json(body));
        var putText = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, putText);
        var id = JsonDocument.Parse(putText).RootElement.GetProperty("id").GetString()!;

        await service.WaitForAsync(OnlineMigration, m => m.GetProperty("status").GetString() == "syncing", Timeout);
        Assert.Equal(500, await target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
        // The migration's detail keeps the preflight's warning, and says who runs it.
        var detail = await service.GetJsonAsync($"/api/migrations/{id}");
        Assert.Contains(detail.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("source.databases:", StringComparison.Ordinal) && w.GetString()!.Contains("'db0'", StringComparison.Ordinal));
        Assert.True(detail.GetProperty("runner").GetProperty("alive").GetBoolean(), detail.ToString());

        using var delete = await service.Client.DeleteAsync($"{OnlineMigration}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("canceled", (await service.GetJsonAsync(OnlineMigration)).GetProperty("status").GetString());
        await SourceHygiene.AssertCleanAsync(source);
    }
}
