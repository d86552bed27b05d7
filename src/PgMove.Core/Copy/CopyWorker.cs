using System.Buffers;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Copy;

/// <summary>
/// One copy worker: a source connection inside the shared snapshot and a target connection. It pipes
/// <c>COPY … TO STDOUT (FORMAT binary)</c> into <c>COPY … FROM STDIN (FORMAT binary)</c> without decoding
/// a row, one target transaction per task, so a task is either wholly there or not at all. Between COPYs it builds
/// the indexes and constraints of tables whose rows are all in, on the same target session: --jobs stays the number
/// of sessions working on the target.
/// </summary>
internal sealed class CopyWorker
{
    private const int BufferSize = 256 * 1024;

    /// <summary>Output settings both sides share, so that text-format rows read back exactly as written.</summary>
    internal const string SessionSettings =
        "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

    private readonly CopyContext _context;

    public CopyWorker(CopyContext context) => _context = context;

    public async Task RunAsync(CopyWorkQueue queue, CancellationToken ct)
    {
        await using var source = await OpenAsync(_context.Source, "source", ct);
        await using var target = await OpenAsync(_context.Target, "target", ct);
        await ExecuteAsync(source, $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {Identifiers.Literal(_context.SnapshotId)}; {SessionSettings}", ct);
        // Rows of a failed run are redone from scratch, so the load need not wait for the WAL flush. No timeout set on
        // the target's role or database may cut a long COPY or its wait for the restore's locks (pg_restore clears them too).
        var targetSettings = SessionSettings + "; SET synchronous_commit = off; SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0";
        if (_context.TargetIsSuperuser)
            targetSettings += "; SET session_replication_role = replica";
        await ExecuteAsync(target, targetSettings, ct);

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var settingsSent = false;
            while (true)
            {
                var (task, build) = await queue.TakeAsync(ct);
                var started = DateTimeOffset.UtcNow;
                if (build is not null)
                {
                    if (!settingsSent)
                        await ApplyBuildSettingsAsync(target, ct);
                    settingsSent = true;
                    await BuildAsync(target, build, ct);
                    _context.Built(build, DateTimeOffset.UtcNow - started);
                    continue;
                }
                if (task is null)
                    break; // every table copied, every build taken
                long rows, bytes;
                try
                {
                    // COPY FREEZE wants the table created or truncated in this very transaction: a table split over
                    // several tasks is loaded by several transactions, and is never truncated. Without FREEZE the COPY
                    // is a transaction of its own: no BEGIN and COMMIT to wait for, once per table.
                    var freeze = _context.Freeze(task) && queue.SchemaComplete;
                    await using var transaction = freeze ? await target.BeginTransactionAsync(ct) : null;
                    if (freeze)
                        await ExecuteAsync(target, $"TRUNCATE ONLY {task.Table.Name}", ct);
                    (rows, bytes) = task.Table.NeedsTextFormat
                        ? await CopyTextAsync(source, target, task, freeze, ct)
                        : await CopyBinaryAsync(source, target, task, buffer, freeze, ct);
                    if (transaction is not null)
                        await transaction.CommitAsync(ct);
                }
                catch (Exception error) when (error is NpgsqlException or IOException)
                {
                    throw new PgMoveException("copy.table_failed",
                        $"database {_context.Database}, table {task}, phase data: {ErrorText.Of(error)}",
                        "Fix the cause named above (disk space, a type or constraint the target lacks, the connection), then run pgmove again: this database is copied again from the start.",
                        error);
                }
                _context.Completed(task, rows, bytes, DateTimeOffset.UtcNow - started);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<(long Rows, long Bytes)> CopyBinaryAsync(NpgsqlConnection source, NpgsqlConnection target, CopyTask task, byte[] buffer, bool freeze, CancellationToken ct)
    {
        var counter = new CopyRowCounter();
        long bytes = 0;
        await using var output = await target.BeginRawBinaryCopyAsync(task.TargetSql("binary", freeze), ct);
        try
        {
            await using var input = await source.BeginRawBinaryCopyAsync(task.SourceSql("binary"), ct);
            int read;
            while ((read = await input.ReadAsync(buffer, ct)) > 0)
            {
                counter.Feed(buffer.AsSpan(0, read));
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                bytes += read;
                _context.Progress.Add(read, 0);
            }
        }
        catch
        {
            await CancelQuietlyAsync(output.CancelAsync);
            throw;
        }
        _context.Progress.Add(0, counter.Rows);
        return (counter.Rows, bytes);
    }

    /// <summary>Text format, for tables whose binary form names type OIDs that differ between the servers.</summary>
    private async Task<(long Rows, long Bytes)> CopyTextAsync(NpgsqlConnection source, NpgsqlConnection target, CopyTask task, bool freeze, CancellationToken ct)
    {
        long rows = 0, chars = 0;
        var buffer = new char[64 * 1024];
        await using var writer = await target.BeginTextImportAsync(task.TargetSql("text", freeze), ct);
        try
        {
            using var reader = await source.BeginTextExportAsync(task.SourceSql("text"), ct);
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), ct)) > 0)
            {
                var lines = buffer.AsSpan(0, read).Count('\n');
                rows += lines;
                chars += read;
                _context.Progress.Add(read, lines);
                await writer.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch
        {
            if (writer is NpgsqlCopyTextWriter copyWriter)
                await CancelQuietlyAsync(copyWriter.CancelAsync);
            throw;
        }
        return (rows, chars);
    }

    /// <summary>
    /// pg_restore's session settings, one at a time: a script names every setting its version knows (pg_restore 17
    /// writes <c>transaction_timeout</c>), and an older target refuses the ones it does not know, which pg_restore,
    /// connected, would not have sent to it either.
    /// </summary>
    private async Task ApplyBuildSettingsAsync(NpgsqlConnection target, CancellationToken ct)
    {
        foreach (var setting in _context.Builds.Settings.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                await ExecuteAsync(target, setting, ct);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UndefinedObject)
            {
                // unrecognized configuration parameter: the target's major has no such setting to reset.
            }
        }
    }

    /// <summary>
    /// A table's indexes and constraints, then its ANALYZE, sent as one batch: one round trip and one commit per table
    /// instead of one per entry (with 1,500 small tables those waits were most of the build). The batch is one
    /// transaction: a crash leaves the table's build wholly done or not at all, and the database is copied again
    /// anyway. When the batch fails, the entries run again one by one to name the one at fault.
    /// </summary>
    private async Task BuildAsync(NpgsqlConnection target, TableBuild build, CancellationToken ct)
    {
        var batch = string.Concat(build.Entries.Select(e => e.Sql.TrimEnd() + "\n"));
        if (build.Analyze)
            batch += $"ANALYZE {build.Table.Name};\n";
        try
        {
            await ExecuteAsync(target, batch, ct);
            return;
        }
        catch (PostgresException error) when (build.Entries.Count + (build.Analyze ? 1 : 0) > 1
                                              && target.FullState == System.Data.ConnectionState.Open
                                              && error.Severity is not ("FATAL" or "PANIC"))
        {
            // Rolled back whole, the session still usable: the same statements one at a time fail at the entry to name.
        }
        catch (NpgsqlException error)
        {
            throw BuildFailed(build, build.Entries.Count == 1 && !build.Analyze ? build.Entries[0] : null, error);
        }
        foreach (var entry in build.Entries)
        {
            try
            {
                await ExecuteAsync(target, entry.Sql, ct);
            }
            catch (NpgsqlException error)
            {
                throw BuildFailed(build, entry, error);
            }
        }
        if (!build.Analyze)
            return;
        try
        {
            await ExecuteAsync(target, $"ANALYZE {build.Table.Name}", ct);
        }
        catch (NpgsqlException error)
        {
            throw BuildFailed(build, null, error, "analyze");
        }
    }

    /// <param name="entry">The entry at fault, when known.</param>
    /// <param name="what">What failed when no entry is named: the ANALYZE, or else the build as a whole.</param>
    private PgMoveException BuildFailed(TableBuild build, (string Type, string Name, string Sql)? entry, NpgsqlException error, string? what = null)
    {
        var step = entry is { } e ? $"{e.Type.ToLowerInvariant()} {e.Name}"
            : what ?? (build.Entries.Count == 0 ? "analyze" : $"build ({build.Entries.Count} indexes, constraints and statistics{(build.Analyze ? ", then analyze" : "")})");
        return new PgMoveException("copy.build_failed",
            $"database {_context.Database}, table {build.Table.Name}, {step}, phase post-data: {ErrorText.Of(error)}",
            "Fix the cause named above on the target (disk space, a function or operator class the target lacks), then run pgmove again: this database is copied again from the start.",
            error);
    }

    /// <summary>Abandons the target's COPY; the original failure is what the user must see, not this one's.</summary>
    private static async Task CancelQuietlyAsync(Func<Task> cancel)
    {
        try
        {
            await cancel();
        }
        catch (Exception error) when (error is NpgsqlException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The COPY is already over, or the connection is gone; the transaction is rolled back either way.
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(ConnectionSpec spec, string role, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(spec.ToNpgsqlConnectionString(pooling: false))
        {
            ReadBufferSize = BufferSize,
            WriteBufferSize = BufferSize,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw ConnectionFailures.Classify(error, spec, role);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
