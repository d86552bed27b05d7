using System.Collections.Concurrent;

namespace PgMove.Core.Copy;

/// <summary>Progress of a whole copy: one <see cref="DatabaseProgress"/> per database, and a stream of events.</summary>
public sealed class CopyProgress
{
    private readonly ConcurrentDictionary<string, DatabaseProgress> _databases = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Lock _gate = new();

    /// <summary>Called for each event, from any thread.</summary>
    public event Action<CopyEvent>? Event;

    public IReadOnlyList<DatabaseProgress> Databases
    {
        get
        {
            lock (_gate)
                return _order.Select(name => _databases[name]).ToList();
        }
    }

    public DatabaseProgress For(string database)
    {
        lock (_gate)
        {
            if (_databases.TryGetValue(database, out var existing))
                return existing;
            var created = new DatabaseProgress(database);
            _databases[database] = created;
            _order.Add(database);
            return created;
        }
    }

    internal void Publish(CopyEvent copyEvent) => Event?.Invoke(copyEvent);

    /// <summary>
    /// A step inside a database's phase: only an event, so that a log or a benchmark can tell where the time goes
    /// without a phase of its own in the status.
    /// </summary>
    internal void Step(string database, string message) => Publish(new CopyEvent("phase", database, message));

    /// <summary>A step of the whole run (preflight, roles): kind "step", for the log; --json and the console leave it out.</summary>
    internal void RunStep(string message) => Publish(new CopyEvent("step", null, message));

    internal void SetPhase(string database, CopyPhase phase, string message)
    {
        For(database).Phase = phase;
        Publish(new CopyEvent("phase", database, message));
    }
}
