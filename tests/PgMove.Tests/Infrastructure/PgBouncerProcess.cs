using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgMove.Core.Connections;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// Debian's PgBouncer on a free loopback port, run as the <c>postgres</c> OS user (it refuses root), with its ini,
/// auth file, pid and log in its own folder of the test run. Trust authentication; user <c>postgres</c> is admin.
/// Disposing stops it by its pid (SIGINT) and deletes the folder.
/// </summary>
public sealed class PgBouncerProcess : IAsyncDisposable
{
    public const string Program = "/usr/sbin/pgbouncer";

    private Process? _process;

    private PgBouncerProcess(string root, int port)
    {
        Root = root;
        Port = port;
    }

    public string Root { get; }

    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary>PgBouncer's own process (setpriv execs into it): a test stops and continues it to hold a console command.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("PgBouncer is not running.");

    public string IniPath => Path.Combine(Root, "pgbouncer.ini");

    public string LogFile => Path.Combine(Root, "pgbouncer.log");

    public static bool Installed => File.Exists(Program);

    /// <summary>Starts PgBouncer with <paramref name="databases"/> as the [databases] section's lines (e.g. "app = host=127.0.0.1 port=5432 dbname=app").</summary>
    public static async Task<PgBouncerProcess> StartAsync(IEnumerable<string> databases, string poolMode = "transaction")
    {
        var root = Path.Combine(TestRun.Directory, $"pgbouncer-{Guid.NewGuid():N}"[..18]);
        Directory.CreateDirectory(root);
        var bouncer = new PgBouncerProcess(root, FreePorts.Next());
        try
        {
            File.WriteAllText(Path.Combine(root, "userlist.txt"), "\"postgres\" \"\"\n");
            File.WriteAllText(bouncer.IniPath, string.Join('\n', [
                "; written by the pgmove test harness",
                "[databases]",
                .. databases,
                "",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                $"listen_port = {bouncer.Port.ToString(CultureInfo.InvariantCulture)}",
                "unix_socket_dir =",
                "auth_type = trust",
                $"auth_file = {Path.Combine(root, "userlist.txt")}",
                "admin_users = postgres",
                $"pool_mode = {poolMode}",
                $"pidfile = {Path.Combine(root, "pgbouncer.pid")}",
                $"logfile = {bouncer.LogFile}",
                "max_client_conn = 200",
                "default_pool_size = 10",
                "ignore_startup_parameters = extra_float_digits,options",
                "server_login_retry = 1",
                "",
            ]));
            PostgresUser.Chown(root);
            await bouncer.StartProcessAsync();
            return bouncer;
        }
        catch
        {
            await bouncer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The admin console as PgMove reaches it.</summary>
    public ConnectionSpec AdminSpec => new()
    {
        Host = Host,
        Port = Port,
        Database = "pgbouncer",
        Username = "postgres",
        SslMode = TlsMode.Disable,
        ConnectTimeoutSeconds = 5,
    };

    /// <summary>An application's connection string through PgBouncer (no Npgsql pooling or auto-preparation: transaction pooling).</summary>
    public string ConnectionString(string database, string applicationName = "app") => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Database = database,
        Username = "postgres",
        SslMode = SslMode.Disable,
        Pooling = false,
        NoResetOnClose = true,
        MaxAutoPrepare = 0,
        ApplicationName = applicationName,
        Timeout = 15,
    }.ConnectionString;

    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
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

    private async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Program, IniPath])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Environment.UserName != "root")
            psi = new ProcessStartInfo(Program, [IniPath]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // setpriv execs into pgbouncer: the process we hold is PgBouncer itself, so its pid is the one to signal.
        _process = Process.Start(psi)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"PgBouncer exited during start-up (code {_process.ExitCode}). Log:\n{ReadLog()}");
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(Host, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        var process = _process;
        _process = null;
        if (process is { HasExited: false })
        {
            // SIGTERM: immediate shutdown (SIGINT would wait for clients to finish, as PAUSE does).
            NativeSignals.Send(process.Id, NativeSignals.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
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
        process?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
        }
    }
}
