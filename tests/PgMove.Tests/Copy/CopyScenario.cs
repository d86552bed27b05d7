using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using PgMove.Core.Copy;
using PgMove.Core.Verify;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Copy;

/// <summary>
/// A source and a target cluster for <c>pgmove copy</c>, started together, with a state file of their own;
/// disposing stops both servers and deletes the state file.
/// </summary>
internal sealed class CopyScenario : IAsyncDisposable
{
    private CopyScenario(PgCluster source, PgCluster target, string stateDirectory)
    {
        Source = source;
        Target = target;
        StateDirectory = stateDirectory;
    }

    public PgCluster Source { get; }

    public PgCluster Target { get; }

    public string StateDirectory { get; }

    public string StatePath => Path.Combine(StateDirectory, "state.db");

    public static async Task<CopyScenario> StartAsync(int sourceMajor = 15, int targetMajor = 17, IReadOnlyDictionary<string, string>? targetSettings = null)
    {
        var (source, target) = await PgCluster.StartPairAsync(new ClusterOptions { Major = sourceMajor },
            new ClusterOptions { Major = targetMajor, Settings = targetSettings ?? new Dictionary<string, string>() });
        var state = Directory.CreateTempSubdirectory("pgmove-copytest-").FullName;
        return new CopyScenario(source, target, state);
    }

    public CopyOptions Options(Func<CopyOptions, CopyOptions>? configure = null)
    {
        var options = new CopyOptions { Source = Source.Spec(), Target = Target.Spec(), StatePath = StatePath, Jobs = 4 };
        return configure?.Invoke(options) ?? options;
    }

    /// <summary>Runs <see cref="CopyRunner"/> and records its events; the run's exception, if any, propagates.</summary>
    public async Task<CopyRecording> CopyAsync(Func<CopyOptions, CopyOptions>? configure = null, CancellationToken ct = default)
    {
        var recording = new CopyRecording();
        await recording.RunAsync(Options(configure), ct);
        return recording;
    }

    public Task<VerifyReport> VerifyAsync() =>
        VerifyRunner.RunAsync(new VerifyOptions { Source = Source.Spec(), Target = Target.Spec(), ChunkRows = 5000 }, CancellationToken.None);

    /// <summary>The status the state file's copy journal holds for a database ("copying", "done"), or null.</summary>
    public string? JournalStatus(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = StatePath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status FROM copied_databases WHERE database = $d";
        command.Parameters.AddWithValue("$d", database);
        return command.ExecuteScalar() as string;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Source.DisposeAsync().AsTask(), Target.DisposeAsync().AsTask());
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One run of <see cref="CopyRunner"/>: its progress, every event it published, and its result.</summary>
internal sealed class CopyRecording
{
    private readonly ConcurrentQueue<CopyEvent> _events = new();

    public CopyRecording()
    {
        Progress.Event += _events.Enqueue;
    }

    public CopyProgress Progress { get; } = new();

    public IReadOnlyList<CopyEvent> Events => _events.ToList();

    public CopyResult? Result { get; private set; }

    public async Task RunAsync(CopyOptions options, CancellationToken ct) => Result = await CopyRunner.RunAsync(options, Progress, ct);

    public IEnumerable<CopyEvent> For(string database) => Events.Where(e => e.Database == database);

    public string Describe() => string.Join('\n', Events.Select(e => $"{e.Kind} [{e.Database}] {e.Table} {e.Message}"));
}

internal static class VerifyReportExtensions
{
    public static string Describe(this VerifyReport report) =>
        string.Join('\n', report.Differences.Select(d => $"{d.DisplayName}: {d.Difference} {d.Detail} (rows {d.SourceRows} vs {d.TargetRows})"));
}
