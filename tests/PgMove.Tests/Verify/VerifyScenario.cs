using PgMove.Core.Verify;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Verify;

/// <summary>A source and a target cluster, started together and stopped at the end.</summary>
internal sealed class VerifyScenario : IAsyncDisposable
{
    private VerifyScenario(PgCluster source, PgCluster target)
    {
        Source = source;
        Target = target;
    }

    public PgCluster Source { get; }

    public PgCluster Target { get; }

    public static async Task<VerifyScenario> StartAsync(int sourceMajor = 15, int targetMajor = 15)
    {
        var (source, target) = await PgCluster.StartPairAsync(sourceMajor, targetMajor);
        return new VerifyScenario(source, target);
    }

    /// <summary>Creates the database on both sides and runs the same script in it.</summary>
    public async Task CreateBothAsync(string database, string script)
    {
        await Task.WhenAll(Source.ExecuteAsync($"CREATE DATABASE \"{database}\""), Target.ExecuteAsync($"CREATE DATABASE \"{database}\""));
        await Task.WhenAll(Source.ExecuteAsync(script, database), Target.ExecuteAsync(script, database));
    }

    public Task<VerifyReport> RunAsync(Func<VerifyOptions, VerifyOptions>? configure = null)
    {
        var options = new VerifyOptions { Source = Source.Spec(), Target = Target.Spec(), ChunkRows = 10 };
        return VerifyRunner.RunAsync(configure?.Invoke(options) ?? options, CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(Source.DisposeAsync().AsTask(), Target.DisposeAsync().AsTask());
}
