using System.Globalization;
using Microsoft.Extensions.Configuration;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.State;
using PgMove.Core.Switch;

namespace PgMove.Server.Configuration;

/// <summary>Reads the configuration file and the environment, and checks everything once at start.</summary>
public static class ServiceConfigLoader
{
    public const string EnvironmentPrefix = "PGMOVE_SERVE_";

    /// <summary>A day, as the CLI's --pause-timeout and --catch-up-timeout allow.</summary>
    private const double MaxSwitchTimeoutSeconds = 86_400;

    public static ServiceSettings Load(string path, IEnvironment env)
    {
        if (!File.Exists(path))
            throw new UsageException("config.missing", $"The configuration file {path} does not exist.",
                "Write one (see README.md, section Service) and pass it with pgmove serve --config FILE.");
        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (Exception error) when (error is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new UsageException("config.bad_json", $"The configuration file {path} is not valid JSON: {error.Message}",
                "Fix the JSON syntax (an object with listen, tokens, store, clusters).");
        }
        ServiceConfigFile file;
        try
        {
            file = configuration.Get<ServiceConfigFile>(o => o.ErrorOnUnknownConfiguration = true) ?? new ServiceConfigFile();
        }
        catch (InvalidOperationException error)
        {
            throw new UsageException("config.invalid", $"The configuration in {path} has an unknown key or a value of the wrong type: {error.Message}",
                "Use only the keys listen, tokens, store (sqlite, or postgres with keyFile, nodeId, leaseSeconds), clusters (uuid, name, connection, "
                + "pgbouncer with admin, ini, target, sources, pauseTimeoutSeconds, catchUpTimeoutSeconds), rateLimitPerHour, pgBin, jobs.");
        }
        return Validate(file, path, env);
    }

    public static ServiceSettings Validate(ServiceConfigFile file, string where, IEnvironment env)
    {
        var problems = new List<string>();
        var listen = string.IsNullOrWhiteSpace(file.Listen) ? ServiceSettings.DefaultListen : file.Listen.Trim();
        if (!Uri.TryCreate(listen, UriKind.Absolute, out var listenUri) || listenUri.Scheme is not ("http" or "https") || listenUri.AbsolutePath != "/")
            problems.Add($"listen '{listen}' is not an address such as http://0.0.0.0:8080");

        var tokens = file.Tokens.Where(t => !string.IsNullOrEmpty(t)).ToList();
        if (tokens.Count == 0)
            problems.Add("tokens: at least one API token is needed");
        if (tokens.Any(t => t.Length < 16 || t.Any(char.IsWhiteSpace)))
            problems.Add("tokens: every token needs 16 characters or more and no spaces (e.g. openssl rand -hex 32)");

        var sharedStore = ValidateSharedStore(file.Store, env, problems);
        var storePath = string.IsNullOrWhiteSpace(file.Store.Sqlite) ? StatePaths.Default() : file.Store.Sqlite;

        var clusters = new List<ManagedCluster>();
        if (file.Clusters.Count == 0)
            problems.Add("clusters: at least one target cluster (uuid, name, connection) is needed");
        for (var i = 0; i < file.Clusters.Count; i++)
        {
            var cluster = file.Clusters[i];
            if (!Guid.TryParse(cluster.Uuid, out var uuid))
                problems.Add($"clusters[{i}].uuid '{cluster.Uuid}' is not a UUID");
            if (string.IsNullOrWhiteSpace(cluster.Name) || cluster.Name.Length > 100)
                problems.Add($"clusters[{i}].name is missing or longer than 100 characters");
            if (string.IsNullOrWhiteSpace(cluster.Connection))
            {
                problems.Add($"clusters[{i}].connection is missing");
                continue;
            }
            try
            {
                var spec = ConnectionSpecParser.Parse(cluster.Connection, $"clusters[{i}].connection", env);
                clusters.Add(new ManagedCluster(uuid, cluster.Name?.Trim() ?? "", spec, ValidatePgBouncer(cluster.PgBouncer, $"clusters[{i}].pgbouncer", env, problems)));
            }
            catch (UsageException error)
            {
                problems.Add($"{error.Message} ({error.Fix})");
            }
        }
        foreach (var duplicate in clusters.GroupBy(c => c.Uuid).Where(g => g.Count() > 1))
            problems.Add($"clusters: uuid {duplicate.Key} appears {duplicate.Count()} times");
        foreach (var duplicate in clusters.GroupBy(c => c.Target.ToString()).Where(g => g.Count() > 1))
            problems.Add($"clusters: {duplicate.Key} is the connection of several clusters ({string.Join(", ", duplicate.Select(c => c.Name))})");

        if (file.RateLimitPerHour is < 1)
            problems.Add("rateLimitPerHour must be 1 or more");
        if (file.Jobs is < 1 or > 64)
            problems.Add("jobs must be between 1 and 64");

        if (problems.Count > 0)
            throw new UsageException("config.invalid", $"The configuration in {where} is not valid: {string.Join("; ", problems)}.",
                "Correct the settings named above in the file or in the PGMOVE_SERVE_* environment variables, then start pgmove serve again.");

        return new ServiceSettings
        {
            Listen = listen,
            Tokens = tokens,
            StorePath = storePath,
            SharedStore = sharedStore,
            Clusters = clusters,
            RateLimitPerHour = file.RateLimitPerHour ?? 5000,
            PgBinDirectory = file.PgBin,
            Jobs = file.Jobs ?? 4,
        };
    }

    /// <summary>
    /// A cluster's PgBouncer switch: the admin console's connection parses (password from it, PGPASSWORD or ~/.pgpass,
    /// never shown), the timeouts are positive, the ini path is absolute. Whether PgBouncer answers is checked at each
    /// cutover, when it matters.
    /// </summary>
    private static SwitchSettings? ValidatePgBouncer(PgBouncerConfig? pgBouncer, string where, IEnvironment env, List<string> problems)
    {
        if (pgBouncer is null)
            return null;
        ConnectionSpec? admin = null;
        if (string.IsNullOrWhiteSpace(pgBouncer.Admin))
            problems.Add($"{where}.admin is missing (PgBouncer's admin console, e.g. postgres://pgbouncer_admin@pooler:6432/pgbouncer)");
        else
        {
            try
            {
                admin = ConnectionSpecParser.Parse(pgBouncer.Admin, $"{where}.admin", env);
            }
            catch (UsageException error)
            {
                problems.Add($"{error.Message} ({error.Fix})");
            }
        }
        if (pgBouncer.Ini is { } ini && (string.IsNullOrWhiteSpace(ini) || !Path.IsPathFullyQualified(ini)))
            problems.Add($"{where}.ini '{ini}' is not an absolute path (e.g. /etc/pgbouncer/pgbouncer.ini; leave it out to use the file PgBouncer reports)");
        foreach (var (name, value) in new[] { ("pauseTimeoutSeconds", pgBouncer.PauseTimeoutSeconds), ("catchUpTimeoutSeconds", pgBouncer.CatchUpTimeoutSeconds) })
        {
            if (value is { } seconds && !(seconds > 0 && seconds <= MaxSwitchTimeoutSeconds))
                problems.Add($"{where}.{name} must be a number of seconds above 0 and at most {MaxSwitchTimeoutSeconds}; it is {seconds.ToString(CultureInfo.InvariantCulture)}");
        }
        foreach (var (name, address) in (pgBouncer.Target is null ? [] : new[] { ($"{where}.target", pgBouncer.Target) })
                 .Concat((pgBouncer.Sources ?? []).Select((a, k) => ($"{where}.sources[{k}]", a))))
        {
            try
            {
                ServerEndpoint.Parse(address, name);
            }
            catch (UsageException error)
            {
                problems.Add($"{error.Message} ({error.Fix})");
            }
        }
        if (admin is null)
            return null;
        var defaults = new SwitchSettings();
        return new SwitchSettings
        {
            PgBouncerAdmin = admin,
            PgBouncerIni = pgBouncer.Ini,
            PgBouncerTarget = pgBouncer.Target,
            PgBouncerSources = pgBouncer.Sources ?? [],
            PauseTimeoutSeconds = pgBouncer.PauseTimeoutSeconds ?? defaults.PauseTimeoutSeconds,
            CatchUpTimeoutSeconds = pgBouncer.CatchUpTimeoutSeconds ?? defaults.CatchUpTimeoutSeconds,
        };
    }

    private static SharedStoreSettings? ValidateSharedStore(StoreConfig store, IEnvironment env, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(store.Postgres))
        {
            if (store.KeyFile is not null || store.NodeId is not null || store.LeaseSeconds is not null)
                problems.Add("store.keyFile, store.nodeId and store.leaseSeconds belong to store.postgres, which is not set");
            return null;
        }
        if (!string.IsNullOrWhiteSpace(store.Sqlite))
            problems.Add("store: set either sqlite or postgres, not both");
        ConnectionSpec? connection = null;
        try
        {
            connection = ConnectionSpecParser.Parse(store.Postgres, "store.postgres", env);
        }
        catch (UsageException error)
        {
            problems.Add($"{error.Message} ({error.Fix})");
        }
        if (string.IsNullOrWhiteSpace(store.KeyFile))
            problems.Add("store.keyFile: a shared store needs the file of the key that seals source passwords (head -c 32 /dev/urandom > FILE; chmod 600 FILE; the same file on every node)");
        else
        {
            try
            {
                SecretBox.FromKeyFile(store.KeyFile);
            }
            catch (UsageException error)
            {
                problems.Add($"store.keyFile: {error.Message} ({error.Fix})");
            }
        }
        if (store.NodeId is { } node && (string.IsNullOrWhiteSpace(node) || node.Length > 200))
            problems.Add("store.nodeId must be 1 to 200 characters");
        if (store.LeaseSeconds is < 5 or > 600)
            problems.Add("store.leaseSeconds must be between 5 and 600");
        if (connection is null || string.IsNullOrWhiteSpace(store.KeyFile))
            return null;
        return new SharedStoreSettings(connection, store.KeyFile, new PostgresStoreOptions
        {
            NodeId = string.IsNullOrWhiteSpace(store.NodeId) ? PostgresStoreOptions.DefaultNodeId() : store.NodeId.Trim(),
            Lease = TimeSpan.FromSeconds(store.LeaseSeconds ?? 30),
        });
    }
}
