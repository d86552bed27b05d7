using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>A source and a target cluster for one preflight test, stopped at the end.</summary>
internal sealed class PreflightScenario : IAsyncDisposable
{
    private PreflightScenario(PgCluster source, PgCluster target)
    {
        Source = source;
        Target = target;
    }

    public PgCluster Source { get; }

    public PgCluster Target { get; }

    public static async Task<PreflightScenario> StartAsync(ClusterOptions? source = null, ClusterOptions? target = null)
    {
        var pair = await PgCluster.StartPairAsync(source, target);
        return new PreflightScenario(pair.Source, pair.Target);
    }

    public Task<PreflightReport> RunAsync(
        MigrationMethod method = MigrationMethod.Relay,
        ConnectionSpec? sourceSpec = null,
        ConnectionSpec? targetSpec = null,
        Func<PreflightOptions, PreflightOptions>? configure = null)
    {
        var options = new PreflightOptions
        {
            Source = sourceSpec ?? Source.Spec(),
            Target = targetSpec ?? Target.Spec(),
            Method = method,
            LongTransactionSeconds = 1,
        };
        return PreflightRunner.RunAsync(configure?.Invoke(options) ?? options, CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(Source.DisposeAsync().AsTask(), Target.DisposeAsync().AsTask());
}
