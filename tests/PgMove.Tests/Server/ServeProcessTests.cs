using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Server;

/// <summary>
/// The real <c>pgmove serve --config FILE</c> in a child process: DigitalOcean's documented curl request replayed
/// byte for byte over a socket (only the API host, the token and the source's host and port changed), /healthz,
/// /metrics, the OpenAPI document, a kill -9 and restart that resumes the migration, and JSON logs without secrets.
/// </summary>
public sealed class ServeProcessTests
{
    // From DigitalOcean's API reference (databases_update_onlineMigration): cluster, source user, database and password.
    private const string DocClusterUuid = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30";
    private const string DocPassword = "paakjnfe10rsrsmf";
    private const string Token = "b7d03a6947b217efb6f3ec3bd3504582-local";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task DocumentedCurl_Replayed_GetsDocumentedShape_AndMigrationSurvivesKill9()
    {
        await using var source = await PgCluster.StartAsync(new ClusterOptions { Major = 15, Ssl = true, PasswordAuth = true });
        await using var target = await PgCluster.StartAsync(new ClusterOptions { Major = 17 });
        await source.ExecuteAsync($"CREATE ROLE doadmin LOGIN SUPERUSER PASSWORD '{DocPassword}'");
        await source.ExecuteAsync("CREATE DATABASE defaultdb OWNER doadmin");
        await source.ExecuteAsync("CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 300) g", "defaultdb");

        var state = Directory.CreateTempSubdirectory("pgmove-serve-proc-").FullName;
        try
        {
            var port = FreePorts.Next();
            var config = Path.Combine(state, "pgmove.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                listen = $"http://127.0.0.1:{port}",
                store = new { sqlite = Path.Combine(state, "state.db") },
                clusters = new[] { new { uuid = DocClusterUuid, name = "new-db", connection = $"postgres://postgres@127.0.0.1:{target.Port}/postgres?sslmode=disable" } },
            }));
            // The token comes from the environment, as a deployment would pass a secret.
            var environment = new Dictionary<string, string> { ["PGMOVE_SERVE_TOKENS__0"] = Token, ["PGPASSWORD"] = PgCluster.SuperuserPassword };
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);

            string id;
            string logs;
            await using (var first = PgMoveProcess.Start(environment, "serve", "--config", config))
            {
                await WaitHealthyAsync(http, first);

                var body = $"{{\"source\":{{\"host\":\"127.0.0.1\",\"dbname\":\"defaultdb\",\"port\":{source.Port},\"username\":\"doadmin\",\"password\":\"{DocPassword}\"}},\"disable_ssl\":false}}";
                var (status, headers, responseBody) = await RawRequestAsync(port,
                    $"PUT /v2/databases/{DocClusterUuid}/online-migration HTTP/1.1\r\n" +
                    $"Host: 127.0.0.1:{port}\r\n" +
                    "User-Agent: curl/7.88.1\r\n" +
                    "Accept: */*\r\n" +
                    "Content-Type: application/json\r\n" +
                    $"Authorization: Bearer {Token}\r\n" +
                    $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
                    "\r\n" + body);
                Assert.True(status == 200, $"{status} {responseBody}\n{first.Output}");
                Assert.StartsWith("application/json", headers["content-type"], StringComparison.Ordinal);
                foreach (var header in new[] { "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset" })
                    Assert.True(long.TryParse(headers[header], CultureInfo.InvariantCulture, out _), header);
                var created = JsonDocument.Parse(responseBody).RootElement;
                Assert.Equal(["id", "status", "created_at"], TestService.Keys(created));
                Assert.Equal("running", created.GetProperty("status").GetString());
                Assert.Matches(OnlineMigrationApiTests.DoTime(), created.GetProperty("created_at").GetString());
                id = created.GetProperty("id").GetString()!;

                await WaitStatusAsync(http, "syncing");
                var metrics = await WaitMetricsAsync(http, "status=\"syncing\"");
                Assert.Matches(@"pgmove_migrations\{[^}]*status=""syncing""[^}]*\} 1", metrics);
                Assert.Contains("pgmove_lag_bytes{", metrics, StringComparison.Ordinal);
                Assert.Contains("pgmove_copy_rows{", metrics, StringComparison.Ordinal);
                Assert.Contains("pgmove_wal_retained_bytes{", metrics, StringComparison.Ordinal);
                var openApi = await http.GetStringAsync("/openapi/v1.json");
                Assert.Contains("/v2/databases/{database_cluster_uuid}/online-migration", openApi, StringComparison.Ordinal);
                Assert.Contains("/api/migrations/{migration_id}/cutover", openApi, StringComparison.Ordinal);

                await first.KillAsync(); // as a crash: no detach, no cleanup
                logs = first.Output;
            }

            await source.ExecuteAsync("INSERT INTO orders VALUES (301, 99.5)", "defaultdb");
            await using (var second = PgMoveProcess.Start(environment, "serve", "--config", config))
            {
                await WaitHealthyAsync(http, second);
                var deadline = DateTimeOffset.UtcNow + Timeout;
                while (await target.ScalarAsync<int>("SELECT count(*) FROM orders", "defaultdb") < 301)
                {
                    Assert.True(DateTimeOffset.UtcNow < deadline, second.Output);
                    await Task.Delay(300);
                }
                var latest = JsonDocument.Parse(await http.GetStringAsync($"/v2/databases/{DocClusterUuid}/online-migration")).RootElement;
                Assert.Equal(id, latest.GetProperty("id").GetString());

                using var delete = await http.DeleteAsync($"/v2/databases/{DocClusterUuid}/online-migration/{id}");
                Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
                await WaitStatusAsync(http, "canceled");
                await second.InterruptAsync();
                Assert.Equal(0, second.ExitCode);
                logs += second.Output;
            }

            Assert.Equal(301, await target.ScalarAsync<int>("SELECT count(*) FROM orders", "defaultdb"));
            await SourceHygiene.AssertCleanAsync(source);
            Assert.DoesNotContain(DocPassword, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, logs, StringComparison.Ordinal);
            var lines = logs.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
            Assert.Contains(lines, l => l.Contains("\"EventId\":1100", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"EventId\":1101", StringComparison.Ordinal));
            // The store holds the source's password sealed: no file of the state folder shows it.
            foreach (var file in Directory.GetFiles(state))
                Assert.DoesNotContain(DocPassword, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static async Task WaitHealthyAsync(HttpClient http, PgMoveProcess process)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            Assert.False(process.HasExited, process.Output);
            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
                    return;
                }
            }
            catch (HttpRequestException) when (DateTimeOffset.UtcNow < deadline)
            {
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, process.Output);
            await Task.Delay(200);
        }
    }

    private static async Task WaitStatusAsync(HttpClient http, string status)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            var text = await http.GetStringAsync($"/v2/databases/{DocClusterUuid}/online-migration");
            if (JsonDocument.Parse(text).RootElement.GetProperty("status").GetString() == status)
                return;
            Assert.True(DateTimeOffset.UtcNow < deadline, $"status {status} not reached: {text}");
            await Task.Delay(300);
        }
    }

    private static async Task<string> WaitMetricsAsync(HttpClient http, string mention)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var text = await http.GetStringAsync("/metrics");
            if (text.Contains(mention, StringComparison.Ordinal) || DateTimeOffset.UtcNow > deadline)
                return text;
            await Task.Delay(500);
        }
    }

    /// <summary>Sends the request as bytes on a socket, as curl does, and reads one HTTP/1.1 response.</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers, string Body)> RawRequestAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer.ToArray(), "\r\n\r\n"u8.ToArray())) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            Assert.True(read > 0, "connection closed before the headers");
            buffer.Write(chunk, 0, read);
        }
        var all = buffer.ToArray();
        var head = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        if (headers.TryGetValue("content-length", out var lengthText))
        {
            var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
            while (body.Length < length)
                body.Write(chunk, 0, await ReadSomeAsync(stream, chunk));
            return (status, headers, Encoding.UTF8.GetString(body.ToArray()));
        }
        Assert.Equal("chunked", headers["transfer-encoding"]);
        while (IndexOf(body.ToArray(), "0\r\n\r\n"u8.ToArray()) < 0)
            body.Write(chunk, 0, await ReadSomeAsync(stream, chunk));
        // Chunked: hex size, CRLF, data, CRLF ... until a chunk of size 0.
        var raw = body.ToArray();
        var decoded = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = raw.AsSpan(at).IndexOf("\r\n"u8) + at;
            var size = Convert.ToInt32(Encoding.ASCII.GetString(raw, at, lineEnd - at), 16);
            if (size == 0)
                break;
            decoded.Write(raw, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return (status, headers, Encoding.UTF8.GetString(decoded.ToArray()));
    }

    private static async Task<int> ReadSomeAsync(NetworkStream stream, byte[] chunk)
    {
        var read = await stream.ReadAsync(chunk);
        Assert.True(read > 0, "connection closed before the body");
        return read;
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
