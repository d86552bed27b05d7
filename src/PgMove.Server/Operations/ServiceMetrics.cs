using System.Diagnostics.Metrics;
using PgMove.Core.Fallback;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Server.Configuration;
using PgMove.Server.Runner;

namespace PgMove.Server.Operations;

/// <summary>
/// Gauges read from the store at each scrape (at most once a second): what every node of the service
/// records is visible from any node. Exported in Prometheus format on /metrics through OpenTelemetry.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "PgMove.Server";
    private readonly Meter _meter = new(MeterName);
    private readonly StoreAccess _stores;
    private readonly ServiceSettings _settings;
    private readonly Lock _gate = new();
    private IReadOnlyList<MigrationRecord> _cached = [];
    private IReadOnlyDictionary<string, MigrationRecord> _forwards = new Dictionary<string, MigrationRecord>();
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public ServiceMetrics(StoreAccess stores, ServiceSettings settings)
    {
        _stores = stores;
        _settings = settings;
        _meter.CreateObservableGauge("pgmove.migrations", CountByStatus, description: "Migrations in the store, by status.");
        _meter.CreateObservableGauge("pgmove.copy.rows", () => PerDatabase(d => d.RowsDone), description: "Rows copied, per database of an active migration.");
        _meter.CreateObservableGauge("pgmove.copy.bytes", () => PerDatabase(d => d.BytesDone), description: "Bytes copied, per database of an active migration.");
        _meter.CreateObservableGauge("pgmove.lag.bytes", () => PerDatabase(d => d.LagBytes), description: "Replication lag in bytes of WAL, per database.");
        _meter.CreateObservableGauge("pgmove.lag.seconds", () => PerDatabase(d => d.LagSeconds), description: "Replication lag in seconds, per database.");
        _meter.CreateObservableGauge("pgmove.ddl.applied", () => PerDatabase(d => d.DdlApplied), description: "DDL statements carried from the source and run on the target, per database.");
        _meter.CreateObservableGauge("pgmove.wal.retained.bytes", () => PerDatabase(d => d.RetainedWalBytes), description: "WAL the migration's slot retains on the source, per database.");
        _meter.CreateObservableGauge("pgmove.fallback.active", FallbackActive,
            description: "1 while the old server follows the new one after a cutover with fallback (the reverse stream's lag is pgmove.lag.* with direction=\"fallback\").");
    }

    private IReadOnlyList<MigrationRecord> Records()
    {
        lock (_gate)
        {
            if (DateTimeOffset.UtcNow - _readAt > TimeSpan.FromSeconds(1))
            {
                // Each active stream back with its migration, read with the records: every gauge of a scrape needs them.
                (_cached, _forwards) = _stores.Read(store =>
                {
                    var all = store.All();
                    var forwards = new Dictionary<string, MigrationRecord>(StringComparer.Ordinal);
                    foreach (var reverse in all.Where(r => r.IsActive && r.Method == MigrationMethod.Fallback))
                    {
                        if (FallbackPair.ForwardOf(store, reverse) is { } forward)
                            forwards[reverse.Id] = forward;
                    }
                    return (all, (IReadOnlyDictionary<string, MigrationRecord>)forwards);
                });
                _readAt = DateTimeOffset.UtcNow;
            }
            return _cached;
        }
    }

    private IEnumerable<Measurement<long>> CountByStatus()
    {
        var records = Records();
        foreach (var status in Enum.GetValues<MigrationStatus>())
            yield return new Measurement<long>(records.Count(r => r.Status == status), new KeyValuePair<string, object?>("status", MigrationStore.Name(status)));
    }

    private IEnumerable<Measurement<double>> PerDatabase(Func<DatabaseRecord, double?> value)
    {
        foreach (var record in Records().Where(r => r.IsActive))
        {
            var (cluster, direction) = record.Method == MigrationMethod.Fallback
                ? (_settings.ClusterOf(ForwardOf(record) ?? record)?.Name ?? "", "fallback")
                : (_settings.ClusterOf(record)?.Name ?? "", "forward");
            foreach (var database in record.Databases)
            {
                if (value(database) is not { } measured)
                    continue;
                yield return new Measurement<double>(measured,
                    new KeyValuePair<string, object?>("migration_id", record.Id),
                    new KeyValuePair<string, object?>("cluster", cluster),
                    new KeyValuePair<string, object?>("database", database.Name),
                    new KeyValuePair<string, object?>("direction", direction));
            }
        }
    }

    /// <summary>One per migration whose fallback stream is active, labelled with the migration (not the stream) and its cluster.</summary>
    private IEnumerable<Measurement<long>> FallbackActive()
    {
        foreach (var reverse in Records().Where(r => r.IsActive && r.Method == MigrationMethod.Fallback))
        {
            if (ForwardOf(reverse) is not { } forward)
                continue;
            yield return new Measurement<long>(1,
                new KeyValuePair<string, object?>("migration_id", forward.Id),
                new KeyValuePair<string, object?>("cluster", _settings.ClusterOf(forward)?.Name ?? ""),
                new KeyValuePair<string, object?>("fallback_id", reverse.Id));
        }
    }

    // A reverse stream's servers are its migration's the other way round: the cluster is the migration's target.
    private MigrationRecord? ForwardOf(MigrationRecord reverse)
    {
        lock (_gate)
            return _forwards.GetValueOrDefault(reverse.Id);
    }

    public void Dispose() => _meter.Dispose();
}
