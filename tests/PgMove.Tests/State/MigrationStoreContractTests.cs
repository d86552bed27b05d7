using Npgsql;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.State;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.State;

/// <summary>
/// What the runner, MigrationControl and the service expect of a store, checked on both implementations (a SQLite
/// file, a schema in a throwaway PostgreSQL server), and the PostgreSQL store's leases.
/// </summary>
public sealed class MigrationStoreContractTests(StoreCluster storeCluster) : IClassFixture<StoreCluster>, IDisposable
{
    private const string Password = "s0urce-Secret-pw";
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-contract-").FullName;

    public static TheoryData<string> Kinds => new() { "sqlite", "postgres" };

    private readonly string _schema = "s_" + Guid.NewGuid().ToString("N")[..12];

    private async Task<IMigrationStore> OpenAsync(string kind) => kind == "sqlite"
        ? MigrationStore.Open(Path.Combine(_directory, "state.db"))
        : await storeCluster.OpenAsync(_schema, "node-a");

    private static MigrationRecord NewRecord(string source, DateTimeOffset created) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Method = MigrationMethod.Relay,
        Status = MigrationStatus.Running,
        CreatedAt = created,
        UpdatedAt = created,
        Source = source,
        Target = "postgres://postgres@target:5432/postgres?sslmode=require",
        IgnoreDatabases = ["scratch"],
    };

    private static ConnectionSpec Spec(string host) => new() { Host = host, Database = "postgres", Username = "admin", Password = Password };

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task CreateGetLatestAll_RoundTrip(string kind)
    {
        using var store = await OpenAsync(kind);
        var now = new DateTimeOffset(2026, 11, 24, 1, 2, 3, TimeSpan.Zero);
        var older = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", now.AddMinutes(-5));
        var limits = new RecordedLimits { FallbackMaxDuration = TimeSpan.FromDays(14), MaxRetainedWalBytes = 5L << 30 };
        var newer = NewRecord("postgres://admin@b:5432/postgres?sslmode=require", now) with { Target = "postgres://postgres@other-target:5432/postgres?sslmode=require", CaptureDdl = false, Limits = limits };
        store.Create(older, Spec("a"), Spec("t"));
        store.Create(newer, Spec("b"), Spec("t"));

        var read = store.Get(older.Id)!;
        Assert.Equal(older.Id, read.Id);
        Assert.Equal(MigrationStatus.Running, read.Status);
        Assert.Equal(older.CreatedAt, read.CreatedAt);
        Assert.Equal(older.Source, read.Source);
        Assert.Equal(older.Target, read.Target);
        Assert.Equal(["scratch"], read.IgnoreDatabases);
        Assert.Empty(read.Databases);
        Assert.True(read.CaptureDdl);
        Assert.False(store.Get(newer.Id)!.CaptureDdl);
        Assert.Equal(new RecordedLimits(), read.Limits);
        Assert.Equal(limits, store.Get(newer.Id)!.Limits);
        Assert.Null(store.Get("nope"));
        Assert.Equal(newer.Id, store.Latest()!.Id);
        Assert.Equal(older.Id, store.Latest(older.Source, older.Target)!.Id);
        Assert.Null(store.Latest("postgres://x@y:1/z?sslmode=require", older.Target));
        Assert.Equal([newer.Id, older.Id], store.All().Select(r => r.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task UpdateAndRequests_RoundTrip(string kind)
    {
        using var store = await OpenAsync(kind);
        var record = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        store.Create(record, Spec("a"), Spec("t"));
        var beat = new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero);
        store.Update(record with
        {
            Status = MigrationStatus.Syncing,
            RunnerPid = 4242,
            RunnerHeartbeat = beat,
            Error = "e",
            Fix = "f",
            Result = "r",
            Databases = [new DatabaseRecord { Name = "shop", Phase = DatabasePhase.Streaming, CopyDone = true, Slot = "pgmove_x", Publication = "pgmove_p", TablesDone = 3, RowsDone = 300 }],
            Limits = new RecordedLimits { MaxDuration = TimeSpan.FromDays(30), AgeCountsFrom = beat },
        });
        store.SetRequest(record.Id, "cutover-freeze");

        var read = store.Get(record.Id)!;
        Assert.Equal(MigrationStatus.Syncing, read.Status);
        Assert.Equal(4242, read.RunnerPid);
        Assert.Equal(beat, read.RunnerHeartbeat);
        Assert.Equal(("e", "f", "r"), (read.Error, read.Fix, read.Result));
        Assert.Equal("cutover-freeze", read.Request);
        Assert.Equal(new RecordedLimits { MaxDuration = TimeSpan.FromDays(30), AgeCountsFrom = beat }, read.Limits);
        var database = Assert.Single(read.Databases);
        Assert.Equal(("shop", DatabasePhase.Streaming, true, "pgmove_x", 300L), (database.Name, database.Phase, database.CopyDone, database.Slot, database.RowsDone));

        // The runner's writes never touch the request; clearing it is SetRequest's.
        store.Update(read with { Request = null, RunnerPid = null });
        Assert.Equal("cutover-freeze", store.Get(record.Id)!.Request);
        store.SetRequest(record.Id, null);
        Assert.Null(store.Get(record.Id)!.Request);
        Assert.Null(store.Get(record.Id)!.RunnerPid);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task Update_WithRunner_WritesItsHostAndKeepsItWhenReleased(string kind)
    {
        using var store = await OpenAsync(kind);
        var record = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        store.Create(record, Spec("a"), Spec("t"));
        Assert.Null(store.Get(record.Id)!.RunnerHost);

        store.Update(record with { RunnerPid = Environment.ProcessId, RunnerHeartbeat = DateTimeOffset.UtcNow });
        Assert.Equal(Environment.MachineName, store.Get(record.Id)!.RunnerHost);

        // The runner let go: status still names where it ran last.
        store.Update(record with { RunnerPid = null, RunnerHeartbeat = DateTimeOffset.UtcNow });
        Assert.Equal(Environment.MachineName, store.Get(record.Id)!.RunnerHost);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task Secrets_RoundTrip_SealedAtRest(string kind)
    {
        using var store = await OpenAsync(kind);
        var record = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        store.Create(record, Spec("a"), Spec("t") with { Port = 6543 });
        var (source, target) = store.ReadSecrets(record.Id);
        Assert.Equal(Spec("a"), source);
        Assert.Equal(Spec("t") with { Port = 6543 }, target);

        if (kind == "postgres")
        {
            var cluster = await storeCluster.GetAsync();
            var dump = await cluster.ColumnAsync($"SELECT encode(secrets, 'escape') || source || target FROM \"{_schema}\".migrations");
            Assert.NotEmpty(dump);
            Assert.All(dump, row => Assert.DoesNotContain(Password, row, StringComparison.Ordinal));
        }
        else
        {
            store.Dispose();
            Assert.DoesNotContain(Password, System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(Path.Combine(_directory, "state.db"))), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Create_SecondActiveMigrationIntoTheSameTarget_RefusedWhicheverNodeAsks()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..12];
        using var a = await storeCluster.OpenAsync(schema, "node-a");
        using var b = await storeCluster.OpenAsync(schema, "node-b");
        var first = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        a.Create(first, Spec("a"), Spec("t"));

        // Two service nodes answering a PUT for the same cluster at the same instant: only one migration may exist.
        var second = NewRecord("postgres://admin@b:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        var refused = Assert.Throws<PgMoveException>(() => b.Create(second, Spec("b"), Spec("t")));
        Assert.Equal("migration.already_running", refused.Code);
        Assert.Null(a.Get(second.Id));

        // Once the first has ended, the target takes a new one.
        a.Update(a.Get(first.Id)! with { Status = MigrationStatus.Canceled });
        b.Create(second, Spec("b"), Spec("t"));
        Assert.Equal(MigrationStatus.Running, a.Get(second.Id)!.Status);
    }

    [SkippableFact]
    public async Task Leases_OneNodeAtATime_ExpiredOrReleasedLeaseTakenOver()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..12];
        var lease = TimeSpan.FromSeconds(2);
        using var a = await storeCluster.OpenAsync(schema, "node-a", lease);
        using var b = await storeCluster.OpenAsync(schema, "node-b", lease);
        var record = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow);
        a.Create(record, Spec("a"), Spec("t"));
        string[] targets = [record.Target];

        // Created means leased by its creator: b neither claims it nor takes it as free.
        Assert.Equal("node-a", a.Get(record.Id)!.LeaseOwner);
        Assert.True(MigrationControl.HasLiveRunner(b.Get(record.Id)!));
        Assert.False(b.TryClaim(record));
        Assert.Null(b.ClaimNext(targets));
        Assert.True(a.TryClaim(record)); // its own lease, renewed

        // The heartbeat renews it past the first lease time.
        await Task.Delay(lease / 2);
        a.Update(record with { RunnerPid = 1, RunnerHeartbeat = DateTimeOffset.UtcNow });
        await Task.Delay(lease * 0.75);
        Assert.Null(b.ClaimNext(targets));
        Assert.Equal([record.Id], a.RenewLeases([record.Id]));

        // a dies: once its lease expires, exactly one of two claimers gets the migration.
        await Task.Delay(lease + TimeSpan.FromMilliseconds(300));
        Assert.False(MigrationControl.HasLiveRunner(a.Get(record.Id)!));
        using var c = await storeCluster.OpenAsync(schema, "node-c", lease);
        var claims = await Task.WhenAll(Task.Run(() => b.ClaimNext(targets)), Task.Run(() => c.ClaimNext(targets)));
        var winner = Assert.Single(claims, r => r is not null)!;
        Assert.Equal(record.Id, winner.Id);
        var owner = winner.LeaseOwner!;
        Assert.Contains(owner, new[] { "node-b", "node-c" });
        Assert.Empty(a.RenewLeases([record.Id])); // a, were it only stalled, learns it lost the lease

        // The runner lets go (no pid): released at once, and another node may claim it without waiting.
        var holder = owner == "node-b" ? b : c;
        holder.Update(winner with { RunnerPid = null });
        Assert.Null(a.Get(record.Id)!.LeaseOwner);
        Assert.Equal("node-a", a.ClaimNext(targets)?.LeaseOwner);

        // A node releases only its own lease (the service does so when a run detaches).
        a.Update(a.Get(record.Id)! with { RunnerPid = 7, RunnerHeartbeat = DateTimeOffset.UtcNow });
        b.ReleaseLease(record.Id);
        Assert.Equal(("node-a", 7), (a.Get(record.Id)!.LeaseOwner, a.Get(record.Id)!.RunnerPid));
        a.ReleaseLease(record.Id);
        Assert.Equal((null, null), (a.Get(record.Id)!.LeaseOwner, a.Get(record.Id)!.RunnerPid));
        Assert.False(MigrationControl.HasLiveRunner(a.Get(record.Id)!));
        Assert.Equal("node-b", b.ClaimNext(targets)?.LeaseOwner);

        // A migration that is not active is never claimed.
        a.Update(a.Get(record.Id)! with { Status = MigrationStatus.Canceled, RunnerPid = null });
        Assert.Null(b.ClaimNext(targets));
    }

    [SkippableFact]
    public async Task Leases_FallbackStream_ClaimedByItsSourceNotWhileItsMigrationsCutoverHoldsTheLease()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..12];
        using var a = await storeCluster.OpenAsync(schema, "node-a");
        using var b = await storeCluster.OpenAsync(schema, "node-b");
        var forward = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow.AddMinutes(-1));
        a.Create(forward, Spec("a"), Spec("t"));
        a.Update(forward with { Status = MigrationStatus.Syncing, RunnerPid = 1, RunnerHeartbeat = DateTimeOffset.UtcNow });
        string[] targets = [forward.Target];

        // The cutover with fallback (run by a) records the stream back, from the cluster to the old server, unleased.
        var reverse = NewRecord(forward.Target, DateTimeOffset.UtcNow) with { Method = MigrationMethod.Fallback, Target = forward.Source, IgnoreDatabases = [] };
        a.Create(reverse, Spec("t"), Spec("a"));
        a.Update(reverse with { Status = MigrationStatus.Syncing, RunnerPid = null });
        Assert.Null(a.Get(reverse.Id)!.LeaseOwner);
        // While the migration's cutover holds its lease, the stream is its run's to go on with: no node claims it.
        Assert.Null(b.ClaimNext(targets));
        Assert.Null(a.ClaimNext(targets));

        // The cutover done (released), the stream is claimed by its source, the cluster: by one node.
        a.Update(a.Get(forward.Id)! with { Status = MigrationStatus.Done, RunnerPid = null });
        Assert.Equal((reverse.Id, "node-b"), b.ClaimNext(targets) is { } claimed ? (claimed.Id, claimed.LeaseOwner) : default);
        Assert.Null(a.ClaimNext(targets));
        Assert.False(a.TryClaim(reverse));
    }

    [SkippableFact]
    public async Task ClaimNext_TwoNodesRacingForBothRecordsOfAPair_NeverBothClaimed()
    {
        var cluster = await storeCluster.GetAsync();
        var schema = "s_" + Guid.NewGuid().ToString("N")[..12];
        using var a = await storeCluster.OpenAsync(schema, "node-a");
        using var b = await storeCluster.OpenAsync(schema, "node-b");
        // A migration and its fallback stream, both syncing and free: each one alone is claimable by a node of the cluster.
        var forward = NewRecord("postgres://admin@a:5432/postgres?sslmode=require", DateTimeOffset.UtcNow.AddMinutes(-1));
        var reverse = NewRecord(forward.Target, DateTimeOffset.UtcNow) with { Method = MigrationMethod.Fallback, Target = forward.Source, IgnoreDatabases = [] };
        a.Create(forward, Spec("a"), Spec("t"));
        a.Create(reverse, Spec("t"), Spec("a"));
        string[] targets = [forward.Target];
        var claimers = new[] { a, b, a, b };

        for (var round = 0; round < 50; round++)
        {
            await cluster.ExecuteAsync($"UPDATE \"{schema}\".migrations SET status = 'syncing', lease_owner = NULL, lease_until = NULL");
            // Both nodes ask at the same instant (threads of their own, released together), twice each.
            using var start = new Barrier(claimers.Length);
            var claims = await Task.WhenAll(claimers.Select(store => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return store.ClaimNext(targets)?.Id;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            var leased = await cluster.ColumnAsync($"SELECT id FROM \"{schema}\".migrations WHERE lease_owner IS NOT NULL");
            Assert.True(leased.Count == 1, $"round {round}: both records of the pair leased at once ({string.Join(", ", leased)})");
            // The one claimed is the older, the migration; the stream waits until the migration's run lets it go.
            Assert.Equal([forward.Id], claims.Where(id => id is not null));
        }
    }

    [SkippableFact]
    public async Task Open_ManyNodesCreatingTheSchemaAtOnce_AllSucceed()
    {
        var cluster = await storeCluster.GetAsync();
        var schema = "s_" + Guid.NewGuid().ToString("N")[..12];
        // Distinct data sources (application names), so that each one runs the DDL rather than the process' cache.
        var sources = Enumerable.Range(0, 6).Select(i => NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(cluster.Spec().ToNpgsqlConnectionString()) { ApplicationName = $"node{i}" }.ConnectionString)).ToList();
        try
        {
            var key = SecretBox.FromKeyFile(storeCluster.KeyFile);
            using var start = new ManualResetEventSlim();
            var openers = sources.Select((source, i) => Task.Run(() =>
            {
                start.Wait();
                using var store = PostgresMigrationStore.Open(source, key, new PostgresStoreOptions { Schema = schema, NodeId = $"n{i}" });
                return store.All().Count;
            })).ToList();
            start.Set();
            Assert.All(await Task.WhenAll(openers), count => Assert.Equal(0, count));
        }
        finally
        {
            foreach (var source in sources)
                await source.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
