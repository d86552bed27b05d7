using System.Globalization;
using PgMove.Core.Connections;

namespace PgMove.Core.Switch;

/// <summary>
/// PgBouncer's admin console (database <c>pgbouncer</c>, the user listed in admin_users): what it routes where,
/// and the PAUSE / RESUME / RELOAD that move applications between servers without failing their queries.
/// </summary>
public sealed class PgBouncerAdmin
{
    private PgBouncerAdmin(ConnectionSpec spec) => Spec = spec;

    /// <summary>The admin conninfo (its ToString hides the password).</summary>
    public ConnectionSpec Spec { get; }

    /// <summary>Reaches the console once (SHOW VERSION) so that a wrong conninfo fails before anything is touched.</summary>
    public static async Task<PgBouncerAdmin> ConnectAsync(ConnectionSpec spec, CancellationToken ct)
    {
        var admin = new PgBouncerAdmin(spec.Database == "pgbouncer" ? spec : spec.WithDatabase("pgbouncer"));
        await PgBouncerConsole.QueryAsync(admin.Spec, "SHOW VERSION", ct);
        return admin;
    }

    /// <summary>The ini file PgBouncer was started with (SHOW CONFIG, key <c>conffile</c>), or null if it does not say.</summary>
    public async Task<string?> ConfigFileAsync(CancellationToken ct)
    {
        var rows = await PgBouncerConsole.QueryAsync(Spec, "SHOW CONFIG", ct);
        var value = rows.FirstOrDefault(r => r.GetValueOrDefault("key") == "conffile")?.GetValueOrDefault("value");
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public async Task<IReadOnlyList<PgBouncerDatabase>> DatabasesAsync(CancellationToken ct)
    {
        var rows = await PgBouncerConsole.QueryAsync(Spec, "SHOW DATABASES", ct);
        return rows.Select(r => new PgBouncerDatabase(
            r.GetValueOrDefault("name", ""), r.GetValueOrDefault("host", ""), Int(r, "port") ?? 5432,
            r.GetValueOrDefault("database", ""), Int(r, "paused") == 1)).ToList();
    }

    /// <summary>
    /// Pauses <paramref name="databases"/>: PgBouncer waits until each one's server connections are released (in
    /// transaction pooling, at the end of the running transactions), then holds new queries. If that takes longer
    /// than <paramref name="timeout"/>, the databases are resumed again and a <see cref="PgBouncerPauseTimeoutException"/>
    /// names the clients that held server connections.
    /// </summary>
    public async Task PauseAsync(IReadOnlyList<string> databases, TimeSpan timeout, CancellationToken ct)
    {
        var asked = new List<string>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            foreach (var database in databases)
            {
                // A PAUSE that has not completed is in force already: it is resumed on the way out too.
                asked.Add(database);
                await PgBouncerConsole.ExecuteAsync(Spec, $"PAUSE {Name(database)}", deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var blocking = await BlockingAsync(databases, CancellationToken.None);
            await ResumeAsync(asked, CancellationToken.None);
            throw new PgBouncerPauseTimeoutException(databases, timeout, blocking);
        }
        catch
        {
            await ResumeAsync(asked, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Resumes each database; one that is not paused (already resumed, or never paused) is fine.</summary>
    public async Task ResumeAsync(IReadOnlyList<string> databases, CancellationToken ct)
    {
        foreach (var database in databases)
        {
            try
            {
                await PgBouncerConsole.ExecuteAsync(Spec, $"RESUME {Name(database)}", ct);
            }
            catch (PgBouncerCommandException error) when (error.Reason.Contains("not paused", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    /// <summary>Re-reads the ini file: changed database entries take effect for new server connections.</summary>
    public Task ReloadAsync(CancellationToken ct) => PgBouncerConsole.ExecuteAsync(Spec, "RELOAD", ct);

    /// <summary>The clients of <paramref name="databases"/> that hold a server connection now (SHOW SERVERS joined to SHOW CLIENTS).</summary>
    public async Task<IReadOnlyList<PgBouncerSession>> BlockingAsync(IReadOnlyList<string> databases, CancellationToken ct)
    {
        var servers = await PgBouncerConsole.QueryAsync(Spec, "SHOW SERVERS", ct);
        var clients = await PgBouncerConsole.QueryAsync(Spec, "SHOW CLIENTS", ct);
        var byPtr = clients.Where(c => c.GetValueOrDefault("ptr", "") != "").ToDictionary(c => c["ptr"], StringComparer.Ordinal);
        var sessions = new List<PgBouncerSession>();
        foreach (var server in servers.Where(s => databases.Contains(s.GetValueOrDefault("database", ""), StringComparer.Ordinal)))
        {
            var link = server.GetValueOrDefault("link", "");
            if (link.Length == 0 || !byPtr.TryGetValue(link, out var client))
                continue; // idle in the pool: it does not hold the pause
            sessions.Add(new PgBouncerSession(client.GetValueOrDefault("database", ""), client.GetValueOrDefault("user", ""),
                client.GetValueOrDefault("addr", ""), Int(client, "port") ?? 0, client.GetValueOrDefault("application_name", ""),
                client.GetValueOrDefault("state", ""), Int(server, "remote_pid")));
        }
        return sessions;
    }

    /// <summary>A database name as the console's parser takes it: bare when it is a plain word, else double-quoted.</summary>
    internal static string Name(string database) =>
        database.Length > 0 && database.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? database : $"\"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static int? Int(IReadOnlyDictionary<string, string> row, string column) =>
        int.TryParse(row.GetValueOrDefault(column), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
