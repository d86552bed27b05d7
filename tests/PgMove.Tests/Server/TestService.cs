using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PgMove.Server;
using PgMove.Server.Configuration;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Server;

/// <summary>
/// The service started in this process on a free loopback port (no TestHost: the real Kestrel), with an
/// HttpClient that carries the token. Disposing stops it; its running migrations detach, as at a restart.
/// </summary>
internal sealed class TestService : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private readonly WebApplication _app;

    private TestService(WebApplication app, ServiceSettings settings, string baseAddress)
    {
        _app = app;
        Settings = settings;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(120) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public ServiceSettings Settings { get; }

    public string BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>The migrations this node runs now.</summary>
    public IReadOnlyCollection<string> Running => _app.Services.GetRequiredService<PgMove.Server.Runner.MigrationHost>().Running;

    /// <summary>A target cluster named "target", with a fixed UUID per test class.</summary>
    public static ManagedCluster Cluster(PgCluster target, Guid uuid, string name = "target") => new(uuid, name, target.Spec());

    public static async Task<TestService> StartAsync(string storePath, IReadOnlyList<ManagedCluster> clusters, TimeProvider? clock = null, int rateLimit = 5000, SharedStoreSettings? sharedStore = null)
    {
        var baseAddress = $"http://127.0.0.1:{FreePorts.Next()}";
        var settings = new ServiceSettings
        {
            Listen = baseAddress,
            Tokens = [Token],
            StorePath = storePath,
            SharedStore = sharedStore,
            Clusters = clusters,
            Jobs = 2,
            RateLimitPerHour = rateLimit,
            Clock = clock ?? TimeProvider.System,
        };
        var app = ServiceHost.Build(settings);
        await app.StartAsync();
        return new TestService(app, settings, baseAddress);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The body of a PUT online-migration for a test source (trust auth: any password).</summary>
    public static string StartBody(PgCluster source, string dbname = "postgres", bool disableSsl = true, params string[] ignore) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["source"] = new Dictionary<string, object> { ["host"] = source.Host, ["dbname"] = dbname, ["port"] = source.Port, ["username"] = "postgres", ["password"] = PgCluster.SuperuserPassword },
            ["disable_ssl"] = disableSsl,
            ["ignore_dbs"] = ignore,
        });

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls GET path until the condition holds on its JSON.</summary>
    public async Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        JsonElement last = default;
        while (DateTimeOffset.UtcNow < deadline)
        {
            last = await GetJsonAsync(path);
            if (condition(last))
                return last;
            await Task.Delay(300);
        }
        throw new TimeoutException($"GET {path} did not reach the condition in {timeout}; last: {last}");
    }

    public static IReadOnlyList<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
