using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Schema;

/// <summary>
/// The schema of one source database, dumped once (custom format, schema only) inside the copy's snapshot,
/// then restored in two parts: pre-data before the rows, post-data (indexes, constraints, triggers) after; the
/// post-data entries of a single table can be taken out as SQL, to run as soon as that table's rows are in.
/// </summary>
public sealed class SchemaDump(PgToolset tools, string file)
{
    public string File { get; } = file;

    public static async Task<SchemaDump> CreateAsync(PgToolset tools, ConnectionSpec source, string database, string? snapshot, string file, CancellationToken ct)
    {
        var arguments = new List<string>
        {
            "--format=custom", "--schema-only", "--no-subscriptions", "--no-publications",
            "--file", file, "--dbname", Conninfo.ForDatabase(database),
        };
        if (snapshot is not null)
            arguments.Add($"--snapshot={snapshot}");
        await PgToolRunner.RunAsync(tools.PgDump, arguments, source.WithDatabase(database), $"database {database}: dumping the schema", ct);
        return new SchemaDump(tools, file);
    }

    /// <summary>
    /// The pre-data section in one transaction: one commit, so one wait for the target's WAL flush, instead of one per
    /// statement (two per table: with 1,500 tables that wait was most of the step). A schema too large for one
    /// transaction (more tables than max_locks_per_transaction lets it lock) fails whole, with nothing committed, and
    /// is restored again statement by statement.
    /// </summary>
    /// <param name="listFile">Only the entries of this list (a part of the table of contents); null: the whole section.</param>
    public async Task RestorePreDataAsync(ConnectionSpec target, string database, bool noOwner, CancellationToken ct, string? listFile = null)
    {
        try
        {
            await RestoreAsync(target, database, "pre-data", jobs: 1, noOwner, ct, listFile, singleTransaction: true);
        }
        catch (PgMoveException error) when (error.Code == "tools.failed" && !ct.IsCancellationRequested)
        {
            await RestoreAsync(target, database, "pre-data", jobs: 1, noOwner, ct, listFile);
        }
    }

    /// <summary>The post-data section, or only the entries of <paramref name="listFile"/> (a <c>--list</c> with the rest commented out).</summary>
    public Task RestorePostDataAsync(ConnectionSpec target, string database, int jobs, bool noOwner, CancellationToken ct, string? listFile = null) =>
        RestoreAsync(target, database, "post-data", jobs, noOwner, ct, listFile);

    /// <summary>The table of contents (<c>pg_restore --list</c>): one line per entry.</summary>
    public Task<string> ListAsync(ConnectionSpec target, string database, CancellationToken ct) =>
        PgToolRunner.RunAsync(tools.PgRestore, ["--list", File], target, $"database {database}: listing the schema", ct);

    /// <summary>The SQL pg_restore would run for the post-data entries of <paramref name="listFile"/>, as a script; connects nowhere.</summary>
    public async Task<string> PostDataScriptAsync(ConnectionSpec target, string database, string listFile, bool noOwner, CancellationToken ct)
    {
        var script = listFile + ".sql";
        var arguments = new List<string> { "--section=post-data", "--use-list", listFile, "--file", script };
        if (noOwner)
            arguments.AddRange(["--no-owner", "--no-acl"]);
        arguments.Add(File);
        await PgToolRunner.RunAsync(tools.PgRestore, arguments, target, $"database {database}: writing the post-data script", ct);
        return await System.IO.File.ReadAllTextAsync(script, ct);
    }

    private async Task RestoreAsync(ConnectionSpec target, string database, string section, int jobs, bool noOwner, CancellationToken ct,
        string? listFile = null, bool singleTransaction = false)
    {
        var arguments = new List<string> { $"--section={section}", "--exit-on-error", "--dbname", Conninfo.ForDatabase(database) };
        if (singleTransaction)
            arguments.Add("--single-transaction");
        if (jobs > 1)
            arguments.Add($"--jobs={jobs}");
        if (listFile is not null)
            arguments.AddRange(["--use-list", listFile]);
        if (noOwner)
            arguments.AddRange(["--no-owner", "--no-acl"]);
        arguments.Add(File);
        await PgToolRunner.RunAsync(tools.PgRestore, arguments, target.WithDatabase(database), $"database {database}: restoring the {section} schema", ct);
    }
}
