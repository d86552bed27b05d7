using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster on a free loopback port, run as the <c>postgres</c> OS user
/// (initdb refuses root). Disposing stops it and deletes its data directory; clusters still running
/// when the test process exits are stopped too, and a later run sweeps those of a run that was killed.
/// </summary>
public sealed partial class PgCluster : IAsyncDisposable
{
    /// <summary>The superuser's password; with trust auth (the default) it is simply ignored.</summary>
    public const string SuperuserPassword = "Sup3r-Secret-pw";

    private static readonly ConcurrentDictionary<PgCluster, byte> Running = new();

    private Process? _process;

    private PgCluster(ClusterOptions options, PgInstallations.Installation installation, string root, int port)
    {
        Options = options;
        Installation = installation;
        Root = root;
        Port = port;
    }

    public ClusterOptions Options { get; }

    public PgInstallations.Installation Installation { get; }

    public int Major => Installation.Major;

    /// <summary>The folder holding the data directory, log and certificates.</summary>
    public string Root { get; }

    public string DataDir => Path.Combine(Root, "data");

    public string LogFile => Path.Combine(Root, "postgres.log");

    /// <summary>The self-signed certificate, usable as sslrootcert, when <see cref="ClusterOptions.Ssl"/> is on.</summary>
    public string CertFile => Path.Combine(DataDir, "server.crt");

    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary>Starts a source and a target side by side; if one fails, the other is stopped again.</summary>
    public static Task<(PgCluster Source, PgCluster Target)> StartPairAsync(int sourceMajor, int targetMajor) =>
        StartPairAsync(new ClusterOptions { Major = sourceMajor }, new ClusterOptions { Major = targetMajor });

    /// <summary>Starts a source and a target side by side; if one fails, the other is stopped again.</summary>
    public static async Task<(PgCluster Source, PgCluster Target)> StartPairAsync(ClusterOptions? source, ClusterOptions? target)
    {
        var sourceTask = StartAsync(source);
        var targetTask = StartAsync(target);
        try
        {
            await Task.WhenAll(sourceTask, targetTask);
        }
        catch
        {
            if (sourceTask.IsCompletedSuccessfully)
                await (await sourceTask).DisposeAsync();
            if (targetTask.IsCompletedSuccessfully)
                await (await targetTask).DisposeAsync();
            throw;
        }
        return (await sourceTask, await targetTask);
    }

    public static async Task<PgCluster> StartAsync(ClusterOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ClusterOptions();
        var installation = PgInstallations.Require(options.Major);
        var root = Path.Combine(TestRun.Directory, $"pg{options.Major}-{Guid.NewGuid():N}"[..16]);
        Directory.CreateDirectory(root);
        var cluster = new PgCluster(options, installation, root, FreePorts.Next());
        Running[cluster] = 0;
        try
        {
            await Templates.CopyToAsync(installation, cluster.DataDir, ct);
            cluster.WriteConfiguration();
            await cluster.StartServerAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection spec for PgMove, as the superuser unless another role is named.</summary>
    public ConnectionSpec Spec(string database = "postgres", string user = "postgres", string? password = SuperuserPassword, TlsMode? sslMode = null) =>
        new()
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = user,
            Password = password,
            SslMode = sslMode ?? (Options.Ssl ? TlsMode.Require : TlsMode.Disable),
            ConnectTimeoutSeconds = 5,
        };

    /// <summary>A connection string for the test itself (superuser, the server's default search_path).</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder(Spec(database).ToNpgsqlConnectionString(pooling: false)) { Options = null }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(string database = "postgres", CancellationToken ct = default)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync(ct);
        return connection;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres", CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(database, ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<T> ScalarAsync<T>(string sql, string database = "postgres", CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(database, ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(ct);
        return (T)Convert.ChangeType(value!, typeof(T), CultureInfo.InvariantCulture);
    }

    public async Task<List<string>> ColumnAsync(string sql, string database = "postgres", CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(database, ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var values = new List<string>();
        while (await reader.ReadAsync(ct))
            values.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        return values;
    }

    /// <summary>Stops the server (fast shutdown, or immediate to simulate a crash) and starts it again on the same port.</summary>
    public async Task RestartAsync(bool immediate = false, CancellationToken ct = default)
    {
        await StopServerAsync(immediate ? NativeSignals.SigQuit : NativeSignals.SigInt);
        await StartServerAsync(ct);
    }

    public async Task StopAsync(bool immediate = false) => await StopServerAsync(immediate ? NativeSignals.SigQuit : NativeSignals.SigInt);

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port (a server back after an outage).</summary>
    public Task StartAgainAsync(CancellationToken ct = default) => StartServerAsync(ct);

    /// <summary>
    /// Stops the server and deletes its folder. First it looks for replication slots and publications named
    /// pgmove…: a test that leaves one fails here (issue 7: PgMove never orphans a slot on a source).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var leftovers = _process is { HasExited: false } ? await SourceHygiene.FindLeftoversAsync(this) : new List<string>();
        await StopServerAsync(NativeSignals.SigInt);
        Running.TryRemove(this, out _);
        TryDelete(Root);
        if (leftovers.Count > 0)
            throw new LeftoverReplicationObjectsException($"PgMove left these on {this} at the end of the test: {string.Join(", ", leftovers)}. "
                + "A test that detaches a migration must stop it (pgmove stop) before its clusters are disposed.");
    }

    public override string ToString() => $"PostgreSQL {Major} on {Host}:{Port}";

    private void WriteConfiguration()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["listen_addresses"] = "'127.0.0.1'",
            ["unix_socket_directories"] = "''",
            ["wal_level"] = Options.WalLevel,
            ["max_replication_slots"] = Options.MaxReplicationSlots.ToString(CultureInfo.InvariantCulture),
            ["max_wal_senders"] = Options.MaxWalSenders.ToString(CultureInfo.InvariantCulture),
            ["max_connections"] = "60",
            ["shared_buffers"] = "64MB",
            // Throwaway clusters: durability is not what the tests measure.
            ["fsync"] = "off",
            ["synchronous_commit"] = "off",
            ["full_page_writes"] = "off",
            ["password_encryption"] = "'scram-sha-256'",
            ["log_min_messages"] = "warning",
            ["ssl"] = Options.Ssl ? "on" : "off",
        };
        foreach (var (key, value) in Options.Settings)
            settings[key] = value;

        var conf = new StringBuilder("\n# pgmove test harness\n");
        foreach (var (key, value) in settings)
            conf.Append(CultureInfo.InvariantCulture, $"{key} = {value}\n");
        File.AppendAllText(Path.Combine(DataDir, "postgresql.conf"), conf.ToString());

        var method = Options.PasswordAuth ? "scram-sha-256" : "trust";
        var hostType = Options.Ssl && Options.RequireSsl ? "hostssl" : "host";
        var hba = Options.HbaLines ?? [
            $"{hostType} all all 127.0.0.1/32 {method}",
            $"{hostType} replication all 127.0.0.1/32 {method}",
        ];
        File.WriteAllText(Path.Combine(DataDir, "pg_hba.conf"), string.Join('\n', hba) + "\n");

        if (Options.Ssl)
        {
            SelfSignedCertificate.Write(CertFile, Path.Combine(DataDir, "server.key"));
            File.SetUnixFileMode(Path.Combine(DataDir, "server.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        PostgresUser.Chown(Root);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        var postgres = Installation.Tool("postgres");
        _process = PostgresUser.StartServer(postgres, Installation.LibDir, DataDir, LogFile);

        var deadline = Stopwatch.StartNew();
        var probe = Spec(sslMode: Options.Ssl ? TlsMode.Require : TlsMode.Disable).ToNpgsqlConnectionString(pooling: false);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{this} exited during start-up (code {_process.ExitCode}). Log:\n{ReadLog()}");
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(ct);
                return;
            }
            catch (PostgresException error) when (error.SqlState != PostgresErrorCodes.CannotConnectNow)
            {
                return; // The server answered (a test's pg_hba.conf may refuse the harness): it is up.
            }
            catch (NpgsqlException) when (deadline.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(100, ct);
            }
        }
    }

    private async Task StopServerAsync(int signal)
    {
        var process = _process;
        _process = null;
        if (process is null || process.HasExited)
        {
            process?.Dispose();
            return;
        }
        NativeSignals.Send(process.Id, signal);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                NativeSignals.Send(process.Id, NativeSignals.SigKill);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        process.Dispose();
    }

    /// <summary>Called at the end of the run and at process exit: whatever a test forgot is stopped at once.</summary>
    internal static void StopAllImmediately()
    {
        var stopping = new List<Process>();
        foreach (var cluster in Running.Keys)
        {
            if (cluster._process is { HasExited: false } process)
            {
                NativeSignals.Send(process.Id, NativeSignals.SigQuit);
                stopping.Add(process);
            }
        }
        // Gone before their folders are deleted (bounded: process exit must not hang on a stuck server).
        foreach (var process in stopping)
            process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public string ReadLog()
    {
        try
        {
            var text = File.ReadAllText(LogFile);
            return text.Length > 4000 ? text[^4000..] : text;
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the run directory is swept at the end.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
