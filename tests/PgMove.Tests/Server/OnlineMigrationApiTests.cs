using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PgMove.Server.Configuration;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Server;

/// <summary>
/// DigitalOcean's online-migration contract against real clusters: every status code, the exact JSON shapes,
/// and a migration that syncs, is stopped with DELETE and keeps its data. One source/target pair and one
/// service for the class; only the first test creates a migration.
/// </summary>
public sealed partial class OnlineMigrationApiTests(ServerPair pair) : IClassFixture<ServerPair>
{
    private static readonly Guid ClusterId = Guid.Parse("9cc10173-e9ea-4176-9dbc-a4cee4c4ff30");
    private static readonly Guid EmptyClusterId = Guid.Parse("0b2f0c58-6a3c-4a58-9d0c-6c1f43b1e3aa");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string OnlineMigration(Guid cluster) => $"/v2/databases/{cluster}/online-migration";

    private async Task<(PgCluster Source, PgCluster Target, TestService Service)> StartAsync()
    {
        var (source, target) = await pair.GetAsync(async s =>
        {
            await s.ExecuteAsync("CREATE DATABASE shop");
            await s.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g", "shop");
        });
        // The second cluster is the same server reached through another database: a distinct target that never had a migration.
        var service = await TestService.StartAsync(pair.StorePath,
            [TestService.Cluster(target, ClusterId), new ManagedCluster(EmptyClusterId, "empty", target.Spec("template1"))]);
        return (source, target, service);
    }

    [SkippableFact]
    public async Task PutGetDelete_RealMigration_SyncsThenCanceledWithDataKept()
    {
        var (source, target, service) = await StartAsync();
        await using var serviceScope = service;

        using var put = await service.Client.PutAsync(OnlineMigration(ClusterId), TestService.Json(TestService.StartBody(source)));
        var putText = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, putText);
        Assert.Equal("application/json; charset=utf-8", put.Content.Headers.ContentType!.ToString());
        var started = JsonDocument.Parse(putText).RootElement;
        Assert.Equal(["id", "status", "created_at"], TestService.Keys(started));
        Assert.Equal("running", started.GetProperty("status").GetString());
        Assert.Matches(DoTime(), started.GetProperty("created_at").GetString());
        var id = started.GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(id, out _));
        AssertRateLimitHeaders(put);

        // A second migration into the same cluster while this one runs: 409.
        using var again = await service.Client.PutAsync(OnlineMigration(ClusterId), TestService.Json(TestService.StartBody(source)));
        await AssertErrorAsync(again, HttpStatusCode.Conflict, "conflict", id);

        var syncing = await service.WaitForAsync(OnlineMigration(ClusterId), m => m.GetProperty("status").GetString() == "syncing", Timeout);
        Assert.Equal(["id", "status", "created_at"], TestService.Keys(syncing));
        Assert.Equal(id, syncing.GetProperty("id").GetString());
        Assert.Equal(started.GetProperty("created_at").GetString(), syncing.GetProperty("created_at").GetString());

        // A change on the source streams to the target.
        await source.ExecuteAsync("INSERT INTO items VALUES (1001, 'late')", "shop");
        var detail = await service.WaitForAsync($"/api/migrations/{id}", m =>
            m.GetProperty("databases").EnumerateArray().Any(d => d.GetProperty("name").GetString() == "shop" && d.GetProperty("changes_applied").GetInt64() >= 1),
            Timeout);
        Assert.Equal(ClusterId.ToString(), detail.GetProperty("cluster_uuid").GetString());
        Assert.DoesNotContain(PgCluster.SuperuserPassword, detail.ToString(), StringComparison.Ordinal);
        var shop = detail.GetProperty("databases").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "shop");
        Assert.Equal("streaming", shop.GetProperty("phase").GetString());
        Assert.Equal(1000, shop.GetProperty("rows_done").GetInt64());
        Assert.Equal(1, shop.GetProperty("tables_total").GetInt32());

        var list = await service.GetJsonAsync($"/api/clusters/{ClusterId}/migrations");
        Assert.Equal(id, list[0].GetProperty("id").GetString());
        var clusters = await service.GetJsonAsync("/api/clusters");
        Assert.Equal(2, clusters.GetArrayLength());
        Assert.Equal(id, clusters[0].GetProperty("latest_migration").GetProperty("id").GetString());

        // DELETE of a migration the cluster never had, and of an unknown cluster: 404.
        using var unknownMigration = await service.Client.DeleteAsync($"{OnlineMigration(ClusterId)}/{Guid.NewGuid()}");
        await AssertErrorAsync(unknownMigration, HttpStatusCode.NotFound, "not_found");
        using var otherCluster = await service.Client.DeleteAsync($"{OnlineMigration(EmptyClusterId)}/{id}");
        await AssertErrorAsync(otherCluster, HttpStatusCode.NotFound, "not_found");

        using var delete = await service.Client.DeleteAsync($"{OnlineMigration(ClusterId)}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("", await delete.Content.ReadAsStringAsync());
        AssertRateLimitHeaders(delete);

        var canceled = await service.GetJsonAsync(OnlineMigration(ClusterId));
        Assert.Equal(["id", "status", "created_at"], TestService.Keys(canceled));
        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.Equal(id, canceled.GetProperty("id").GetString());
        // Data kept on the target, nothing left on the source.
        Assert.Equal(1001, await target.ScalarAsync<int>("SELECT count(*) FROM items", "shop"));
        Assert.Equal("late", await target.ScalarAsync<string>("SELECT name FROM items WHERE id = 1001", "shop"));
        await SourceHygiene.AssertCleanAsync(source);

        // Stopping a canceled migration again is idempotent.
        using var deleteAgain = await service.Client.DeleteAsync($"{OnlineMigration(ClusterId)}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleteAgain.StatusCode);
    }

    [SkippableFact]
    public async Task Requests_WithoutValidToken_Get401WithRateLimitHeaders()
    {
        var (source, _, service) = await StartAsync();
        await using var serviceScope = service;
        using var anonymous = new HttpClient { BaseAddress = new Uri(service.BaseAddress) };

        foreach (var (method, auth) in new[] { (HttpMethod.Get, (string?)null), (HttpMethod.Put, "Bearer wrong-token-0123456789"), (HttpMethod.Delete, "Basic Zm9vOmJhcg==") })
        {
            using var request = new HttpRequestMessage(method, method == HttpMethod.Delete ? $"{OnlineMigration(ClusterId)}/{Guid.NewGuid()}" : OnlineMigration(ClusterId));
            if (auth is not null)
                request.Headers.TryAddWithoutValidation("Authorization", auth);
            if (method == HttpMethod.Put)
                request.Content = TestService.Json(TestService.StartBody(source));
            using var response = await anonymous.SendAsync(request);
            var error = await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Unable to authenticate you.", error.GetProperty("message").GetString());
            AssertRateLimitHeaders(response);
        }
        // The panel's page needs no token; the API behind it does.
        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var api = await anonymous.GetAsync("/api/clusters");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [SkippableFact]
    public async Task RateLimit_OverTheLimit_Gets429AndCountsDown()
    {
        await using var service = await TestService.StartAsync(pair.StorePath, [new ManagedCluster(ClusterId, "x", new Core.Connections.ConnectionSpec { Host = "127.0.0.1", Database = "postgres", Username = "postgres" })], rateLimit: 2);
        using var first = await service.Client.GetAsync("/api/clusters");
        Assert.Equal("2", first.Headers.GetValues("ratelimit-limit").Single());
        Assert.Equal("1", first.Headers.GetValues("ratelimit-remaining").Single());
        using var second = await service.Client.GetAsync("/api/clusters");
        Assert.Equal("0", second.Headers.GetValues("ratelimit-remaining").Single());
        using var third = await service.Client.GetAsync("/api/clusters");
        await AssertErrorAsync(third, HttpStatusCode.TooManyRequests, "too_many_requests");
        var reset = long.Parse(third.Headers.GetValues("ratelimit-reset").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3590, 3600);
    }

    [Fact]
    public async Task OpenApiAndHealth_ServedWithoutToken_DescribeEndpointsAndBodies()
    {
        await using var service = await TestService.StartAsync(pair.StorePath, [new ManagedCluster(ClusterId, "x", new Core.Connections.ConnectionSpec { Host = "127.0.0.1", Database = "postgres", Username = "postgres" })]);
        using var anonymous = new HttpClient { BaseAddress = new Uri(service.BaseAddress) };
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");
        var online = paths.GetProperty("/v2/databases/{database_cluster_uuid}/online-migration");
        var body = online.GetProperty("put").GetProperty("requestBody");
        Assert.True(body.GetProperty("required").GetBoolean());
        var bodyText = body.ToString();
        foreach (var field in new[] { "source", "host", "dbname", "port", "username", "password", "disable_ssl", "ignore_dbs" })
            Assert.Contains($"\"{field}\"", bodyText, StringComparison.Ordinal);
        Assert.True(online.TryGetProperty("get", out _));
        var cutover = paths.GetProperty("/api/migrations/{migration_id}/cutover").GetProperty("post");
        Assert.False(cutover.GetProperty("requestBody").TryGetProperty("required", out var required) && required.GetBoolean());
        var cutoverBody = ResolvedSchema(document, cutover.GetProperty("requestBody")).ToString();
        foreach (var field in new[] { "freeze_source", "switch" })
            Assert.Contains($"\"{field}\"", cutoverBody, StringComparison.Ordinal);
        Assert.True(cutover.GetProperty("responses").TryGetProperty("422", out _));
        // The way back after a cutover with fallback: its switch body required, its refusals described.
        var fallback = paths.GetProperty("/api/migrations/{migration_id}/fallback").GetProperty("post");
        Assert.True(fallback.GetProperty("requestBody").GetProperty("required").GetBoolean());
        Assert.Contains("\"switch\"", ResolvedSchema(document, fallback.GetProperty("requestBody")).ToString(), StringComparison.Ordinal);
        foreach (var status in new[] { "202", "409", "422" })
            Assert.True(fallback.GetProperty("responses").TryGetProperty(status, out _), status);
        Assert.True(paths.GetProperty("/api/migrations/{migration_id}/finish").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/v2/databases/{database_cluster_uuid}/online-migration/{migration_id}").TryGetProperty("delete", out _));
        foreach (var path in new[] { "/api/clusters", "/api/migrations/{migration_id}", "/api/clusters/{cluster_uuid}/check", "/api/migrations/{migration_id}/cutover", "/healthz" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        var schemas = document.GetProperty("components").GetProperty("schemas").ToString();
        foreach (var field in new[] { "created_at", "request_id", "lag_bytes", "retained_wal_bytes", "note" })
            Assert.Contains($"\"{field}\"", schemas, StringComparison.Ordinal);
        var health = JsonDocument.Parse(await anonymous.GetStringAsync("/healthz")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [SkippableFact]
    public async Task UnknownClusterOrNoMigration_Get404()
    {
        var (source, _, service) = await StartAsync();
        await using var serviceScope = service;

        using var put = await service.Client.PutAsync(OnlineMigration(Guid.NewGuid()), TestService.Json(TestService.StartBody(source)));
        await AssertErrorAsync(put, HttpStatusCode.NotFound, "not_found");
        using var notUuid = await service.Client.GetAsync("/v2/databases/not-a-uuid/online-migration");
        await AssertErrorAsync(notUuid, HttpStatusCode.NotFound, "not_found");
        using var never = await service.Client.GetAsync(OnlineMigration(EmptyClusterId));
        var error = await AssertErrorAsync(never, HttpStatusCode.NotFound, "not_found");
        Assert.Contains("empty", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var unknownPath = await service.Client.GetAsync("/v2/databases");
        await AssertErrorAsync(unknownPath, HttpStatusCode.NotFound, "not_found");
    }

    [SkippableFact]
    public async Task Put_InvalidBodies_Get422NamingEveryProblem()
    {
        var (source, _, service) = await StartAsync();
        await using var serviceScope = service;
        var cases = new (string Body, string Expected)[]
        {
            ("", "not valid JSON"),
            ("{\"source\":", "not valid JSON"),
            ("[]", "JSON object"),
            ("{}", "source is required"),
            ("{\"disable_ssl\":false}", "source is required"),
            ("{\"source\":\"postgres://x@y/z\"}", "source must be an object"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\",\"port\":\"5432\"}}", "source.port must be an integer"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\",\"port\":99999999999}}", "source.port must be an integer"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\",\"port\":5432.5}}", "source.port must be an integer"),
            ("{\"source\":{\"host\":42,\"username\":\"u\"}}", "source.host must be a string"),
            ("{\"source\":{\"host\":\"h\"}}", "source.username is required"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\",\"sslmode\":\"disable\"}}", "source.sslmode is not a known field"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\"},\"options\":\"-c x=y\"}", "options is not a known field"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\"},\"disable_ssl\":\"yes\"}", "disable_ssl must be true or false"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\"},\"ignore_dbs\":\"db0\"}", "ignore_dbs must be an array"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\"},\"ignore_dbs\":[1]}", "ignore_dbs must hold database names"),
            ("{\"source\":{\"host\":\"h\",\"username\":\"u\"},\"source\":{}}", "source is given twice"),
            ($"{{\"source\":{{\"host\":\"{new string('h', 300)}\",\"username\":\"u\"}}}}", "source.host is longer than 253 bytes"),
            ($"{{\"source\":{{\"host\":\"h\",\"username\":\"u\",\"password\":\"{new string('p', 2000)}\"}}}}", "source.password is longer than 1024 bytes"),
            ($"{{\"source\":{{\"host\":\"h\",\"username\":\"u\"}},\"ignore_dbs\":[\"{new string('d', 70_000)}\"]}}", "larger than 65536 bytes"),
            ("{\"source\":{\"host\":\"/var/run/postgresql\",\"username\":\"u\"}}", "one host name"),
        };
        foreach (var (body, expected) in cases)
        {
            using var response = await service.Client.PutAsync(OnlineMigration(ClusterId), TestService.Json(body));
            var error = await AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "unprocessable_entity");
            Assert.True(error.GetProperty("message").GetString()!.Contains(expected, StringComparison.Ordinal), $"{body[..Math.Min(body.Length, 80)]} → {error}");
        }
        // Several problems at once are all named.
        using var many = await service.Client.PutAsync(OnlineMigration(ClusterId), TestService.Json("{\"source\":{\"port\":0},\"disable_ssl\":1}"));
        var all = (await AssertErrorAsync(many, HttpStatusCode.UnprocessableEntity, "unprocessable_entity")).GetProperty("message").GetString()!;
        Assert.Contains("source.host is required", all, StringComparison.Ordinal);
        Assert.Contains("source.port must be", all, StringComparison.Ordinal);
        Assert.Contains("disable_ssl must be", all, StringComparison.Ordinal);

    }

    [SkippableFact]
    public async Task Put_PreflightFails_Gets422WithFailedChecksAndFixes_CreatesNothing()
    {
        var (source, _, service) = await StartAsync();
        await using var serviceScope = service;
        var before = await CatalogSnapshot.TakeAsync(source);

        // TLS asked (disable_ssl false) from a source that has none, and a database to connect to that does not exist.
        var body = TestService.StartBody(source, dbname: "postgres", disableSsl: false);
        using var response = await service.Client.PutAsync(OnlineMigration(EmptyClusterId), TestService.Json(body));
        var message = (await AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "unprocessable_entity")).GetProperty("message").GetString()!;
        Assert.Contains("[source.connection]", message, StringComparison.Ordinal);
        Assert.Contains("Fix:", message, StringComparison.Ordinal);
        Assert.DoesNotContain(PgCluster.SuperuserPassword, message, StringComparison.Ordinal);

        using var never = await service.Client.GetAsync(OnlineMigration(EmptyClusterId));
        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
        Assert.Equal(before, await CatalogSnapshot.TakeAsync(source));

        // The same request through PgMove's check endpoint: every check with its status and fix, nothing started.
        var check = await service.Client.PostAsync($"/api/clusters/{EmptyClusterId}/check", TestService.Json(body));
        var report = JsonDocument.Parse(await check.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.False(report.GetProperty("passed").GetBoolean());
        var failed = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "source.connection");
        Assert.Equal("fail", failed.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("fix").GetString()));

        var good = await service.Client.PostAsync($"/api/clusters/{ClusterId}/check", TestService.Json(TestService.StartBody(source, ignore: ["shop"])));
        var passed = JsonDocument.Parse(await good.Content.ReadAsStringAsync()).RootElement;
        Assert.True(passed.GetProperty("passed").GetBoolean(), passed.ToString());
        Assert.Contains(passed.GetProperty("checks").EnumerateArray(), c => c.GetProperty("id").GetString() == "source.wal_level" && c.GetProperty("status").GetString() == "pass");
    }

    /// <summary>The JSON schema of a request body, followed through its $ref into the components when it has one.</summary>
    private static JsonElement ResolvedSchema(JsonElement document, JsonElement requestBody)
    {
        var schema = requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema");
        return schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;
    }

    internal static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string id, string? mentions = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["id", "message", "request_id"], TestService.Keys(error));
        Assert.Equal(id, error.GetProperty("id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.True(Guid.TryParse(error.GetProperty("request_id").GetString(), out _));
        if (mentions is not null)
            Assert.Contains(mentions, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        return error.Clone();
    }

    internal static void AssertRateLimitHeaders(HttpResponseMessage response)
    {
        foreach (var header in new[] { "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset" })
            Assert.True(response.Headers.TryGetValues(header, out var values) && long.TryParse(values.Single(), out _), $"{header} missing");
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    internal static partial Regex DoTime();
}
