using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Server.Configuration;

namespace PgMove.Tests.Server;

/// <summary>The configuration file is checked once at start, with every problem named in one message.</summary>
public sealed class ServiceConfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-config-").FullName;

    private sealed class EmptyEnvironment : IEnvironment
    {
        public string? Get(string name) => null;

        public string? HomeDirectory => null;
    }

    private string Write(string json)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_ValidFile_GivesSettings()
    {
        var settings = ServiceConfigLoader.Load(Write("""
            {
              "listen": "http://0.0.0.0:9090",
              "tokens": ["0123456789abcdef0123"],
              "store": { "sqlite": "/var/lib/pgmove/state.db" },
              "clusters": [ { "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "new-db", "connection": "postgres://doadmin:pw@db.example.com:25060/defaultdb?sslmode=require" } ],
              "rateLimitPerHour": 100,
              "jobs": 2
            }
            """), new EmptyEnvironment());
        Assert.Equal("http://0.0.0.0:9090", settings.Listen);
        Assert.Equal("/var/lib/pgmove/state.db", settings.StorePath);
        Assert.Equal(100, settings.RateLimitPerHour);
        Assert.Equal(2, settings.Jobs);
        var cluster = Assert.Single(settings.Clusters);
        Assert.Equal("new-db", cluster.Name);
        Assert.Equal(25060, cluster.Target.Port);
        Assert.Equal("pw", cluster.Target.Password);
        Assert.Same(cluster, settings.FindCluster("9CC10173-E9EA-4176-9DBC-A4CEE4C4FF30"));
        Assert.Null(settings.FindCluster("nope"));
    }

    [Fact]
    public void Load_EveryProblem_NamedInOneError()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write("""
            {
              "listen": "ftp://x",
              "tokens": ["short"],
              "store": { "postgres": "Host=db" },
              "clusters": [
                { "uuid": "not-a-uuid", "name": "a", "connection": "postgres://u@h/db" },
                { "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "", "connection": "postgres://u@h:99999/db" },
                { "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "c" }
              ]
            }
            """), new EmptyEnvironment()));
        Assert.Equal("config.invalid", error.Code);
        foreach (var expected in new[] { "listen 'ftp://x'", "16 characters", "store.keyFile", "clusters[0].uuid", "clusters[1].name", "port '99999'", "clusters[2].connection is missing" })
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownKey_Refused()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write("""{ "tokens": ["0123456789abcdef0123"], "tokenz": ["x"] }"""), new EmptyEnvironment()));
        Assert.Equal("config.invalid", error.Code);
        Assert.Contains("tokenz", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Load_MissingOrBrokenFile_Refused()
    {
        Assert.Equal("config.missing", Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Path.Combine(_directory, "none.json"), new EmptyEnvironment())).Code);
        Assert.Equal("config.bad_json", Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write("{ \"tokens\": [ "), new EmptyEnvironment())).Code);
    }

    [Fact]
    public void Load_NoClustersNoTokens_Refused()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write("{}"), new EmptyEnvironment()));
        Assert.Contains("at least one API token", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least one target cluster", error.Message, StringComparison.Ordinal);
    }

    private string KeyFile(UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, int size = 32)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllBytes(path, new byte[size]);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private const string Cluster = """{ "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "new-db", "connection": "postgres://doadmin@db.example.com/defaultdb" }""";

    [Fact]
    public void Load_PostgresStore_GivesSharedStoreWithDefaults()
    {
        var settings = ServiceConfigLoader.Load(Write($$"""
            { "tokens": ["0123456789abcdef0123"], "clusters": [ {{Cluster}} ],
              "store": { "postgres": "postgres://pgmove:st0re-pw@store.example.com:5433/pgmove_state?sslmode=verify-full", "keyFile": "{{KeyFile()}}" } }
            """), new EmptyEnvironment());
        var shared = Assert.IsType<SharedStoreSettings>(settings.SharedStore);
        Assert.Equal("store.example.com", shared.Connection.Host);
        Assert.Equal("st0re-pw", shared.Connection.Password);
        Assert.Equal($"{Environment.MachineName}:{Environment.ProcessId}", shared.Options.NodeId);
        Assert.Equal(TimeSpan.FromSeconds(30), shared.Options.Lease);
        Assert.DoesNotContain("st0re-pw", shared.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PostgresStoreProblems_NamedWithoutPassword()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write($$"""
            { "tokens": ["0123456789abcdef0123"], "clusters": [ {{Cluster}} ],
              "store": { "sqlite": "/tmp/x.db", "postgres": "postgres://pgmove:st0re-pw@store.example.com:99999/x", "keyFile": "{{KeyFile(UnixFileMode.UserRead | UnixFileMode.OtherRead)}}", "leaseSeconds": 1 } }
            """), new EmptyEnvironment()));
        foreach (var expected in new[] { "either sqlite or postgres", "port '99999'", "other users", "leaseSeconds" })
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("st0re-pw", error.Message + error.Fix, StringComparison.Ordinal);

        var noKey = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write($$"""
            { "tokens": ["0123456789abcdef0123"], "clusters": [ {{Cluster}} ], "store": { "postgres": "postgres://pgmove@store.example.com/x", "keyFile": "{{KeyFile(size: 16)}}" } }
            """), new EmptyEnvironment()));
        Assert.Contains("16 bytes, not 32", noKey.Message, StringComparison.Ordinal);
    }

    private static string WithPgBouncer(string pgBouncer) =>
        $$"""{ "tokens": ["0123456789abcdef0123"], "clusters": [ { "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "new-db", "connection": "postgres://doadmin@db.example.com/defaultdb", "pgbouncer": {{pgBouncer}} } ] }""";

    [Fact]
    public void Load_ClusterPgBouncer_GivesTheSwitchWithoutCommand()
    {
        var settings = ServiceConfigLoader.Load(Write(WithPgBouncer("""
            { "admin": "postgres://pgbouncer_admin:b0uncer-pw@pooler.example.com:6432/pgbouncer?sslmode=disable", "ini": "/etc/pgbouncer/pgbouncer.ini", "pauseTimeoutSeconds": 2.5, "catchUpTimeoutSeconds": 60,
              "target": "10.20.0.5:5432", "sources": ["db-old.internal:5432"] }
            """)), new EmptyEnvironment());
        var pgBouncer = Assert.IsType<PgMove.Core.Switch.SwitchSettings>(Assert.Single(settings.Clusters).PgBouncer);
        Assert.Equal("pooler.example.com", pgBouncer.PgBouncerAdmin!.Host);
        Assert.Equal(6432, pgBouncer.PgBouncerAdmin.Port);
        Assert.Equal("b0uncer-pw", pgBouncer.PgBouncerAdmin.Password);
        Assert.Equal("/etc/pgbouncer/pgbouncer.ini", pgBouncer.PgBouncerIni);
        Assert.Equal(2.5, pgBouncer.PauseTimeoutSeconds);
        Assert.Equal(60, pgBouncer.CatchUpTimeoutSeconds);
        Assert.Null(pgBouncer.Command);
        Assert.Equal("10.20.0.5:5432", pgBouncer.PgBouncerTarget);
        Assert.Equal(["db-old.internal:5432"], pgBouncer.PgBouncerSources);
        Assert.DoesNotContain("b0uncer-pw", pgBouncer.ToString(), StringComparison.Ordinal);

        // The defaults: the ini PgBouncer reports, 5 s to pause, 30 s to catch up; a cluster without pgbouncer offers no switch.
        var defaults = ServiceConfigLoader.Load(Write(WithPgBouncer("""{ "admin": "host=pooler port=6432 dbname=pgbouncer user=admin" }""")), new EmptyEnvironment());
        var plain = Assert.Single(defaults.Clusters).PgBouncer!;
        Assert.Null(plain.PgBouncerIni);
        Assert.Equal(5, plain.PauseTimeoutSeconds);
        Assert.Equal(30, plain.CatchUpTimeoutSeconds);
        Assert.Null(plain.PgBouncerAdmin!.Password);
        Assert.Null(plain.PgBouncerTarget);
        Assert.Empty(plain.PgBouncerSources);
        Assert.Null(ServiceConfigLoader.Load(Write($$"""{ "tokens": ["0123456789abcdef0123"], "clusters": [ {{Cluster}} ] }"""), new EmptyEnvironment()).Clusters[0].PgBouncer);
    }

    [Fact]
    public void Load_ClusterPgBouncerProblems_NamedWithoutPassword()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write(WithPgBouncer("""
            { "admin": "postgres://admin:b0uncer-pw@pooler:99999/pgbouncer", "ini": "pgbouncer.ini", "pauseTimeoutSeconds": -1, "catchUpTimeoutSeconds": 0,
              "target": "10.20.0.5:port", "sources": ["ok:5432", "host=db-old"] }
            """)), new EmptyEnvironment()));
        Assert.Equal("config.invalid", error.Code);
        foreach (var expected in new[] { "clusters[0].pgbouncer.admin", "port '99999'", "clusters[0].pgbouncer.ini 'pgbouncer.ini' is not an absolute path",
                     "clusters[0].pgbouncer.target '10.20.0.5:port' is not a host and port", "clusters[0].pgbouncer.sources[1] 'host=db-old' is not a host and port",
                     "clusters[0].pgbouncer.pauseTimeoutSeconds must be a number of seconds above 0", "clusters[0].pgbouncer.catchUpTimeoutSeconds must be" })
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("b0uncer-pw", error.Message + error.Fix, StringComparison.Ordinal);

        var unparsable = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write(WithPgBouncer("""{ "admin": "pooler:6432" }""")), new EmptyEnvironment()));
        Assert.Contains("clusters[0].pgbouncer.admin: the connection string is neither", unparsable.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write(WithPgBouncer("""{ "ini": "/etc/pgbouncer/pgbouncer.ini" }""")), new EmptyEnvironment()));
        Assert.Contains("clusters[0].pgbouncer.admin is missing", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "admin": "postgres://admin@pooler:6432/pgbouncer", "command": "curl -X POST https://dns.example.com/switch" }""", "command")]
    [InlineData("""{ "admin": "postgres://admin@pooler:6432/pgbouncer", "switchCommand": "./switch.sh" }""", "switchCommand")]
    [InlineData("""{ "admin": "postgres://admin@pooler:6432/pgbouncer", "pauseTimeout": 5 }""", "pauseTimeout")]
    [InlineData("""{ "admin": "postgres://admin@pooler:6432/pgbouncer", "pauseTimeoutSeconds": "soon" }""", "pauseTimeoutSeconds")]
    public void Load_PgBouncerUnknownKeyOrWrongType_Refused(string pgBouncer, string named)
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write(WithPgBouncer(pgBouncer)), new EmptyEnvironment()));
        Assert.Equal("config.invalid", error.Code);
        Assert.Contains(named, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("pgbouncer with admin, ini, target, sources, pauseTimeoutSeconds, catchUpTimeoutSeconds", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SwitchCommandBesideTheCluster_Refused()
    {
        var error = Assert.Throws<UsageException>(() => ServiceConfigLoader.Load(Write("""
            { "tokens": ["0123456789abcdef0123"], "clusters": [ { "uuid": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "name": "new-db", "connection": "postgres://doadmin@db.example.com/defaultdb", "switchCommand": "./switch.sh" } ] }
            """), new EmptyEnvironment()));
        Assert.Equal("config.invalid", error.Code);
        Assert.Contains("switchCommand", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
