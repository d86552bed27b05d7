using OpenTelemetry.Metrics;
using PgMove.Server.Api;
using PgMove.Server.Configuration;
using PgMove.Server.Operations;
using PgMove.Server.Panel;
using PgMove.Server.Runner;

namespace PgMove.Server;

/// <summary><c>pgmove serve</c>: the API, the panel, /healthz, /metrics and the background runner in one process.</summary>
public static class ServiceHost
{
    public static WebApplication Build(ServiceSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(settings.Listen);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new RateLimiter(settings.RateLimitPerHour, TimeProvider.System));
        builder.Services.AddSingleton<StoreAccess>();
        builder.Services.AddSingleton<MigrationHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MigrationHost>());
        builder.Services.AddSingleton<ServiceMetrics>();
        builder.Services.AddOpenApi(o => o.AddOperationTransformer(RequestBodyTransformer.ApplyAsync));
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ServiceMetrics.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        app.Services.GetRequiredService<ServiceMetrics>();
        app.UseMiddleware<ApiGate>();
        DigitalOceanEndpoints.Map(app);
        PgMoveEndpoints.Map(app);
        // Unknown paths under the API answer in the API's error shape, not with an empty 404.
        app.Map("/v2/{**rest}", (HttpContext c) => ApiProblem.NotFound("The resource you were accessing could not be found.").ToResult(c)).ExcludeFromDescription();
        app.Map("/api/{**rest}", (HttpContext c) => ApiProblem.NotFound("The resource you were accessing could not be found.").ToResult(c)).ExcludeFromDescription();
        HealthEndpoint.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi("/openapi/v1.json");
        PanelEndpoints.Map(app);

        var logger = app.Services.GetRequiredService<ILogger<MigrationHost>>();
        app.Lifetime.ApplicationStarted.Register(() => ServiceLog.Listening(logger, settings.Listen, settings.Clusters.Count, settings.SharedStore?.ToString() ?? settings.StorePath));
        return app;
    }

    /// <summary>Runs until <paramref name="ct"/> is cancelled (Ctrl-C, SIGTERM): running migrations detach and resume at the next start.</summary>
    public static async Task RunAsync(ServiceSettings settings, CancellationToken ct)
    {
        await using var app = Build(settings);
        await app.StartAsync(ct);
        await app.WaitForShutdownAsync(ct);
        await app.StopAsync(CancellationToken.None);
    }
}
