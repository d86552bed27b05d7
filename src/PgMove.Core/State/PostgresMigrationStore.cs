using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;

namespace PgMove.Core.State;

/// <summary>
/// Migrations in a schema of their own in a PostgreSQL database, shared by several service nodes. A node runs a
/// migration only while it holds its lease (<c>lease_owner</c>, <c>lease_until</c>), taken with
/// <c>FOR UPDATE SKIP LOCKED</c>, renewed by the runner's heartbeat and released when it detaches or finishes; the
/// lease of a node that died expires and another node takes the migration over. Secrets are sealed as in the SQLite
/// store, with a key the nodes share outside the database.
/// </summary>
public sealed class PostgresMigrationStore : IMigrationStore
{
    /// <summary>The schema of the store unless another is named.</summary>
    public const string DefaultSchema = "pgmove";

    private static readonly ConcurrentDictionary<string, Lazy<bool>> Created = new(StringComparer.Ordinal);
    private readonly NpgsqlDataSource _dataSource;
    private readonly SecretBox _secrets;
    private readonly PostgresStoreOptions _options;
    private readonly string _schema;

    private PostgresMigrationStore(NpgsqlDataSource dataSource, SecretBox secrets, PostgresStoreOptions options)
    {
        _dataSource = dataSource;
        _secrets = secrets;
        _options = options;
        _schema = Identifiers.Quote(options.Schema);
    }

    /// <summary>The node whose leases this store takes and renews.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>
    /// A store over <paramref name="dataSource"/> (owned by the caller, shared by every store of the process); its
    /// schema and table are created on first use in this process.
    /// </summary>
    public static PostgresMigrationStore Open(NpgsqlDataSource dataSource, SecretBox secrets, PostgresStoreOptions options)
    {
        var store = new PostgresMigrationStore(dataSource, secrets, options);
        var created = Created.GetOrAdd($"{dataSource.ConnectionString}\n{options.Schema}", _ => new Lazy<bool>(store.CreateSchema));
        try
        {
            _ = created.Value;
        }
        catch
        {
            Created.TryRemove($"{dataSource.ConnectionString}\n{options.Schema}", out _); // try again at the next use
            throw;
        }
        return store;
    }

    private bool CreateSchema()
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand(Sql("store_schema"), connection, transaction))
            command.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }

    public void Create(MigrationRecord record, ConnectionSpec source, ConnectionSpec target)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_insert"), connection);
        command.Parameters.AddWithValue("id", record.Id);
        command.Parameters.AddWithValue("method", record.Method.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("status", MigrationStore.Name(record.Status));
        command.Parameters.AddWithValue("created", record.CreatedAt.ToUniversalTime());
        command.Parameters.AddWithValue("source", record.Source);
        command.Parameters.AddWithValue("target", record.Target);
        command.Parameters.AddWithValue("ignore", JsonSerializer.Serialize(record.IgnoreDatabases, StoreJson.Default.IReadOnlyListString));
        command.Parameters.AddWithValue("warnings", JsonSerializer.Serialize(record.Warnings, StoreJson.Default.IReadOnlyListString));
        command.Parameters.AddWithValue("capture_ddl", record.CaptureDdl);
        command.Parameters.AddWithValue("limits", JsonSerializer.Serialize(record.Limits, StoreJson.Default.RecordedLimits));
        command.Parameters.AddWithValue("secrets", _secrets.Seal(JsonSerializer.Serialize([source, target], StoreJson.Default.ConnectionSpecArray)));
        command.Parameters.AddWithValue("databases", JsonSerializer.Serialize(record.Databases, StoreJson.Default.IReadOnlyListDatabaseRecord));
        command.Parameters.AddWithValue("node", _options.NodeId);
        command.Parameters.AddWithValue("lease", _options.Lease);
        try
        {
            Execute(command, "create migration " + record.Id);
        }
        catch (PgMoveException wrapped) when (wrapped.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "migrations_one_active_per_target" } error)
        {
            throw new PgMoveException("migration.already_running", $"Another migration into {record.Target} is already running (started by another node of the service).",
                "Stop it or cut it over before starting another.", error);
        }
    }

    public void Update(MigrationRecord record)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_update"), connection);
        command.Parameters.AddWithValue("id", record.Id);
        command.Parameters.AddWithValue("status", MigrationStore.Name(record.Status));
        command.Parameters.AddWithValue("error", (object?)record.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("fix", (object?)record.Fix ?? DBNull.Value);
        command.Parameters.AddWithValue("pid", (object?)record.RunnerPid ?? DBNull.Value);
        command.Parameters.AddWithValue("heartbeat", (object?)record.RunnerHeartbeat?.ToUniversalTime() ?? DBNull.Value);
        command.Parameters.AddWithValue("host", Environment.MachineName);
        command.Parameters.AddWithValue("result", (object?)record.Result ?? DBNull.Value);
        command.Parameters.AddWithValue("databases", JsonSerializer.Serialize(record.Databases, StoreJson.Default.IReadOnlyListDatabaseRecord));
        command.Parameters.AddWithValue("node", _options.NodeId);
        command.Parameters.AddWithValue("release", record.RunnerPid is null);
        command.Parameters.AddWithValue("limits", JsonSerializer.Serialize(record.Limits, StoreJson.Default.RecordedLimits));
        command.Parameters.AddWithValue("lease", _options.Lease);
        Execute(command, "update migration " + record.Id);
    }

    public void SetRequest(string id, string? request)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_set_request"), connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("request", (object?)request ?? DBNull.Value);
        Execute(command, $"request {request ?? "(none)"} for migration {id}");
    }

    public void SetSwitch(string id, SwitchSettings? settings)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_set_switch"), connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.Add(new NpgsqlParameter("settings", NpgsqlTypes.NpgsqlDbType.Bytea)
        {
            Value = settings is null ? DBNull.Value : _secrets.Seal(JsonSerializer.Serialize(settings, StoreJson.Default.SwitchSettings)),
        });
        Execute(command, $"the switch settings of migration {id}");
    }

    public SwitchSettings? ReadSwitch(string id)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_read_switch"), connection);
        command.Parameters.AddWithValue("id", id);
        return Wrap(() => command.ExecuteScalar(), "read the switch settings of migration " + id) is byte[] sealedSettings
            ? JsonSerializer.Deserialize(_secrets.Open(sealedSettings), StoreJson.Default.SwitchSettings)
            : null;
    }

    public void SetSwitchStep(string id, string? step)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_set_switch_step"), connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.Add(new NpgsqlParameter("step", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)step ?? DBNull.Value });
        Execute(command, $"switch step {step ?? "(none)"} for migration {id}");
    }

    public MigrationRecord? Get(string id) => Query("WHERE id = @id", ("id", id)).FirstOrDefault();

    public MigrationRecord? Latest(string? source = null, string? target = null) => source is null
        ? Query("ORDER BY created_at DESC LIMIT 1").FirstOrDefault()
        : Query("WHERE source = @s AND target = @t ORDER BY created_at DESC LIMIT 1", ("s", source), ("t", target!)).FirstOrDefault();

    public IReadOnlyList<MigrationRecord> All() => Query("ORDER BY created_at DESC");

    public (ConnectionSpec Source, ConnectionSpec Target) ReadSecrets(string id)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_secrets"), connection);
        command.Parameters.AddWithValue("id", id);
        var sealedSpecs = Wrap(() => command.ExecuteScalar(), "read the secrets of migration " + id) as byte[]
            ?? throw new PgMoveException("store.not_found", $"There is no migration {id} in the PostgreSQL store.", "Name a migration that pgmove lists.");
        var specs = JsonSerializer.Deserialize(_secrets.Open(sealedSpecs), StoreJson.Default.ConnectionSpecArray)!;
        return (specs[0], specs[1]);
    }

    /// <summary>Takes the lease of this migration unless another node holds it unexpired.</summary>
    public bool TryClaim(MigrationRecord record)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_try_claim"), connection);
        command.Parameters.AddWithValue("id", record.Id);
        command.Parameters.AddWithValue("node", _options.NodeId);
        command.Parameters.AddWithValue("lease", _options.Lease);
        return Wrap(() => command.ExecuteScalar(), "lease migration " + record.Id) is string;
    }

    /// <summary>
    /// Leases the oldest running or syncing migration into one of <paramref name="targets"/> (the record's
    /// <see cref="MigrationRecord.Target"/>), or fallback stream out of one, that no live node holds, or returns null.
    /// </summary>
    public MigrationRecord? ClaimNext(IReadOnlyCollection<string> targets)
    {
        using var connection = Connect();
        var id = Wrap(() =>
        {
            // Read committed whatever the database's default: the claim must see the lease the previous claimer
            // committed while this one waited for the lock (store_claim_next.sql says why).
            using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.ReadCommitted);
            using var command = new NpgsqlCommand(Sql("store_claim_next"), connection, transaction);
            command.Parameters.AddWithValue("targets", targets.ToArray());
            command.Parameters.AddWithValue("node", _options.NodeId);
            command.Parameters.AddWithValue("lease", _options.Lease);
            string? claimed = null;
            using (var reader = command.ExecuteReader())
            {
                reader.NextResult(); // past the lock's result
                if (reader.Read())
                    claimed = reader.GetString(0);
            }
            transaction.Commit();
            return claimed;
        }, "lease a free migration");
        return id is null ? null : Get(id);
    }

    /// <summary>Releases this node's lease on <paramref name="id"/>, if it still holds it.</summary>
    public void ReleaseLease(string id)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_release"), connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("node", _options.NodeId);
        Execute(command, "release the lease of migration " + id);
    }

    /// <summary>Renews this node's leases on <paramref name="ids"/>; returns those it still holds.</summary>
    public IReadOnlySet<string> RenewLeases(IReadOnlyCollection<string> ids)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        if (ids.Count == 0)
            return held;
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_renew"), connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("node", _options.NodeId);
        command.Parameters.AddWithValue("lease", _options.Lease);
        Wrap(() =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
                held.Add(reader.GetString(0));
            return 0;
        }, "renew leases");
        return held;
    }

    private List<MigrationRecord> Query(string tail, params (string Name, string Value)[] parameters)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(Sql("store_select") + tail, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return Wrap(() =>
        {
            using var reader = command.ExecuteReader();
            var list = new List<MigrationRecord>();
            while (reader.Read())
                list.Add(Read(reader));
            return list;
        }, "read migrations");
    }

    private static MigrationRecord Read(NpgsqlDataReader reader) => MigrationRows.Read(reader, static (row, i) => row.GetFieldValue<DateTimeOffset>(i)) with
    {
        LeaseOwner = reader.IsDBNull(16) ? null : reader.GetString(16),
        LeaseUntil = reader.IsDBNull(17) ? null : reader.GetFieldValue<DateTimeOffset>(17),
    };

    private string Sql(string name) => SqlResources.Get($"State/Sql/{name}.sql").Replace("{schema}", _schema, StringComparison.Ordinal);

    private NpgsqlConnection Connect() => Wrap(_dataSource.OpenConnection, "connect");

    private void Execute(NpgsqlCommand command, string what) => Wrap(command.ExecuteNonQuery, what);

    /// <summary>Npgsql's errors with what the store was doing and where (never the password).</summary>
    private T Wrap<T>(Func<T> action, string what)
    {
        try
        {
            return action();
        }
        catch (NpgsqlException error)
        {
            throw new PgMoveException("store.postgres", $"The PostgreSQL state store (schema {_options.Schema}) failed to {what}: {error.Message}",
                "Check that the database named by store.postgres is reachable and that its user may create a schema there (or that the schema exists).", error);
        }
    }

    /// <summary>Nothing to close: connections return to the caller's data source after each call.</summary>
    public void Dispose()
    {
    }
}
