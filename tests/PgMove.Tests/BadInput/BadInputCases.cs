using Npgsql;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.BadInput;

/// <summary>The bad inputs of issue 7, for <c>pgmove start</c> (and the verbs around it).</summary>
internal static class BadInputCases
{
    private static string U(PgCluster cluster, string user = "postgres", string database = "postgres", string sslmode = "disable") =>
        BadInputServers.Uri(cluster, user, database, sslmode);

    private static string[] Start(BadInputServers s, string source, string target, params string[] more) =>
        ["start", "--source", source, "--target", target, "--state", s.NewStatePath(), .. more];

    private static Task<BadInputSetup> Args(params string[] args) => Task.FromResult(new BadInputSetup(args));

    public static IReadOnlyList<BadInputCase> All { get; } =
    [
        // Connections
        new("wrong password", 1, ["password authentication failed", "Check the password"], async s =>
        {
            var locked = await PgCluster.StartAsync(new ClusterOptions { Major = 15, PasswordAuth = true });
            return new BadInputSetup(Start(s, $"postgres://postgres:not-the-password@127.0.0.1:{locked.Port}/postgres?sslmode=disable", U(s.Target)), locked);
        }),
        new("unknown host", 1, ["no-such-host.invalid", "cannot be resolved", "Check the spelling of the host name"], s =>
            Args(Start(s, "postgres://postgres@no-such-host.invalid:5432/postgres?sslmode=disable", U(s.Target)))),
        new("refused port", 1, ["connection refused", "Check that PostgreSQL runs"], s =>
            Args(Start(s, $"postgres://postgres@127.0.0.1:{FreePorts.Next()}/postgres?sslmode=disable", U(s.Target)))),
        new("TLS required but not offered", 1, ["TLS was required", "Turn on ssl"], s =>
            Args(Start(s, U(s.Source, sslmode: "require"), U(s.Target)))),
        new("TLS refused by a server that requires it", 1, ["only accepts TLS", "Remove sslmode=disable"], async s =>
        {
            var tls = await PgCluster.StartAsync(new ClusterOptions { Major = 17, Ssl = true, RequireSsl = true });
            return new BadInputSetup(Start(s, U(s.Source), U(tls)), tls);
        }),
        new("target database in the connection does not exist", 1, ["'nosuchdb' does not exist", "Name an existing database"], s =>
            Args(Start(s, U(s.Source), U(s.Target, database: "nosuchdb")))),
        new("semicolon and SQL in the database name", 1, ["does not exist", "Name an existing database"], s =>
            Args(Start(s, U(s.Source, database: "postgres; DROP DATABASE shop; --"), U(s.Target)))),
        new("injected server options in a URI", 2, ["'options' is not supported", "PgMove accepts"], s =>
            Args(Start(s, U(s.Source) + "&options=-c%20default_transaction_read_only%3Doff", U(s.Target)))),
        new("injected server options in key=value", 2, ["'options' is not supported", "PgMove accepts"], s =>
            Args(Start(s, $"host=127.0.0.1 port={s.Source.Port} dbname=postgres user=postgres sslmode=disable options='-c search_path=evil'", U(s.Target)))),
        new("malformed URI", 2, ["--source"], s => Args(Start(s, "postgres://[::1/postgres", U(s.Target)))),
        new("port out of range", 2, ["port", "65535"], s => Args(Start(s, "postgres://postgres@127.0.0.1:99999/postgres?sslmode=disable", U(s.Target)))),
        new("missing source", 2, ["--source is missing", "PGMOVE_SOURCE"], s => Args("start", "--target", U(s.Target), "--state", s.NewStatePath())),

        // Servers that cannot take part
        new("non-superuser source", 1, ["source.privileges", "superuser"], s => Args(Start(s, U(s.Source, user: "plain"), U(s.Target)))),
        new("target user without CREATEDB", 1, ["target.privileges", "CREATEDB"], s => Args(Start(s, U(s.Source), U(s.Target, user: "weak")))),
        new("wal_level=replica", 1, ["wal_level", "ALTER SYSTEM SET wal_level = logical"], async s =>
        {
            var replica = await PgCluster.StartAsync(new ClusterOptions { Major = 15, WalLevel = "replica" });
            return new BadInputSetup(Start(s, U(replica), U(s.Target)), replica);
        }),
        new("too few replication slots", 1, ["max_replication_slots", "ALTER SYSTEM SET max_replication_slots"], async s =>
        {
            var few = await PgCluster.StartAsync(new ClusterOptions { Major = 15, MaxReplicationSlots = 1 });
            await few.ExecuteAsync("CREATE DATABASE a");
            await few.ExecuteAsync("CREATE DATABASE b");
            return new BadInputSetup(Start(s, U(few), U(s.Target)), few);
        }),
        new("source major newer than target", 1, ["version.compatible", "newer than the target"], s => Args(Start(s, U(s.Target), U(s.Source)))),
        new("pg_dump older than the source", 1, ["tools.pg_dump", "older than the source"], async s =>
        {
            var newTarget = await PgCluster.StartAsync(new ClusterOptions { Major = 17 });
            return new BadInputSetup(Start(s, U(s.Target), U(newTarget), "--pg-bin", PgInstallations.DebianBinDir), newTarget);
        }),
        new("source database left read-only", 1, ["source.read_only", "database 'shop'", "RESET default_transaction_read_only"], async s =>
        {
            var frozen = await PgCluster.StartAsync(new ClusterOptions { Major = 15 });
            await frozen.ExecuteAsync("CREATE DATABASE shop");
            await frozen.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)", "shop");
            await frozen.ExecuteAsync("ALTER DATABASE shop SET default_transaction_read_only = on");
            return new BadInputSetup(Start(s, U(frozen), U(s.Target)), frozen);
        }),
        new("ignore list leaving nothing to migrate", 1, ["No database is left to migrate", "Shorten the --ignore-db list"], s =>
            Args(Start(s, U(s.Source), U(s.Target), "--ignore-db", "postgres", "--ignore-db", "shop"))),
        new("target database already holding data", 1, ["target.existing_databases", "shop", "DROP DATABASE"], async s =>
        {
            var used = await PgCluster.StartAsync(new ClusterOptions { Major = 17 });
            await used.ExecuteAsync("CREATE DATABASE shop");
            await used.ExecuteAsync("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1)", "shop");
            return new BadInputSetup(Start(s, U(s.Source), U(used)), used);
        }),
        new("source and target the same server", 1, ["target.same_server", "the same PostgreSQL server", "Point --target at the new server"], s => Args(Start(s, U(s.Source), U(s.Source)))),
        new("keyless table under UPDATE load", 1, ["source.primary_keys", "readings", "REPLICA IDENTITY FULL"], async s =>
        {
            var keyless = await PgCluster.StartAsync(new ClusterOptions { Major = 15 });
            await keyless.ExecuteAsync("CREATE TABLE readings (sensor int, value float8); INSERT INTO readings SELECT g, g FROM generate_series(1, 1000) g");
            // Updates run while pgmove checks: it must still refuse (an UPDATE of a keyless table cannot be replicated).
            _ = Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    try
                    {
                        await keyless.ExecuteAsync("UPDATE readings SET value = value + 1 WHERE sensor % 10 = 0");
                    }
                    catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
                    {
                        return; // the case is over and the cluster stopped
                    }
                }
            });
            return new BadInputSetup(Start(s, U(keyless), U(s.Target)), keyless);
        }),
        new("extension missing on the target", 1, ["target.extensions", "adminpack"], async s =>
        {
            var withExtension = await PgCluster.StartAsync(new ClusterOptions { Major = 15 });
            await withExtension.ExecuteAsync("CREATE EXTENSION adminpack");
            return new BadInputSetup(Start(s, U(withExtension), U(s.Target)), withExtension);
        }),

        // Options
        new("jobs zero", 2, ["--jobs", "between 1 and 64"], s => Args(Start(s, U(s.Source), U(s.Target), "--jobs", "0"))),
        new("jobs huge", 2, ["--jobs", "between 1 and 64"], s => Args(Start(s, U(s.Source), U(s.Target), "--jobs", "100000"))),
        new("jobs not a number", 2, ["--jobs", "many"], s => Args(Start(s, U(s.Source), U(s.Target), "--jobs", "many"))),
        new("max-days zero", 2, ["--max-days", "between 0 and 365"], s => Args(Start(s, U(s.Source), U(s.Target), "--max-days", "0"))),
        new("max-retained-wal-gb negative", 2, ["--max-retained-wal-gb", "above 0"], s => Args(Start(s, U(s.Source), U(s.Target), "--max-retained-wal-gb", "-5"))),
        new("dump is not continuous", 2, ["--method dump is not a continuous migration", "pgmove copy"], s => Args(Start(s, U(s.Source), U(s.Target), "--method", "dump"))),
        new("unknown method", 2, ["'bogus' not recognized", "Must be one of"], s => Args(Start(s, U(s.Source), U(s.Target), "--method", "bogus"))),
        new("unknown option", 2, ["--frobnicate", "pgmove --help"], s => Args(Start(s, U(s.Source), U(s.Target), "--frobnicate"))),
        new("unknown log level", 2, ["'loud' not recognized", "Must be one of"], s => Args(Start(s, U(s.Source), U(s.Target), "--log-level", "loud"))),
        new("log file that cannot be written", 2, ["--log-file", "cannot be written"], s => Args(Start(s, U(s.Source), U(s.Target), "--log-file", "/proc/pgmove.log"))),

        // Control verbs with no migration
        new("status without a migration", 1, ["There is no migration", "pgmove start"], s => Args("status", "--state", Path.Combine(s.StateDirectory, "empty-status.db"))),
        new("cutover without a migration", 1, ["There is no migration", "pgmove start"], s => Args("cutover", "--state", Path.Combine(s.StateDirectory, "empty-cutover.db"))),
        new("PgBouncer's address of the target not a host and port", 2, ["--pgbouncer-target 'db:port' is not a host and port", "10.0.0.5:5432"], s =>
            Args("cutover", "--state", Path.Combine(s.StateDirectory, "empty-cutover.db"), "--pgbouncer", $"postgres://admin@127.0.0.1:{FreePorts.Next()}/pgbouncer", "--pgbouncer-target", "db:port")),
        new("stop without a migration", 1, ["There is no migration", "pgmove start"], s => Args("stop", "--state", Path.Combine(s.StateDirectory, "empty-stop.db"))),
    ];
}
