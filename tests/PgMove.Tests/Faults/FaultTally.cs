using System.Collections.Concurrent;
using System.Text;

namespace PgMove.Tests.Faults;

/// <summary>What a fault run injected, by kind, and how many migrations it verified: the figures of docs/reliability.md.</summary>
internal sealed class FaultTally
{
    private readonly ConcurrentDictionary<string, int> _faults = new(StringComparer.Ordinal);

    public int MigrationsVerified { get; set; }

    public int Differences { get; set; }

    public int OrphanedSlots { get; set; }

    /// <summary>Times pgmove ended with status error after a fault and was resumed with pgmove start.</summary>
    public int ErrorsResumed { get; set; }

    public List<string> Notes { get; } = [];

    public void Count(string kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public int Total => _faults.Values.Sum();

    public string Summary(int seed, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine($"seed {seed}, {elapsed.TotalMinutes:N1} min: {MigrationsVerified} migrations verified, {Total} faults, {Differences} differences, {OrphanedSlots} orphaned slots or publications, {ErrorsResumed} runs ended in error and were resumed");
        foreach (var (kind, count) in _faults.OrderBy(f => f.Key, StringComparer.Ordinal))
            text.AppendLine($"  {kind,-34} {count,5}");
        foreach (var note in Notes)
            text.AppendLine($"  note: {note}");
        return text.ToString();
    }
}
