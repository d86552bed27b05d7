using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Server;

/// <summary>
/// A source (15) and a target (17) shared by the tests of one class, started by the first test that asks
/// (so that a missing major skips the test rather than failing the fixture) and stopped with the class.
/// </summary>
public sealed class ServerPair : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1);
    private PgCluster? _source;
    private PgCluster? _target;

    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("pgmove-serve-").FullName;

    public string StorePath => Path.Combine(StateDirectory, "state.db");

    public async Task<(PgCluster Source, PgCluster Target)> GetAsync(Func<PgCluster, Task>? prepareSource = null)
    {
        await _gate.WaitAsync();
        try
        {
            if (_source is null || _target is null)
            {
                PgInstallations.Require(15);
                PgInstallations.Require(17);
                (_source, _target) = await PgCluster.StartPairAsync(15, 17);
                if (prepareSource is not null)
                    await prepareSource(_source);
            }
            return (_source, _target);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
            await _source.DisposeAsync();
        if (_target is not null)
            await _target.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }
}
