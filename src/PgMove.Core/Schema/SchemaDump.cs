using PgMove.Core.Connections;

namespace PgMove.Core.Schema;

/// <summary>
/// The schema of one source database, dumped once (custom format, schema only) inside the copy's snapshot,
/// then restored in two parts: pre-data before the rows, post-data (indexes, constraints, triggers) after.
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

    public Task RestorePreDataAsync(ConnectionSpec target, string database, bool noOwner, CancellationToken ct) =>
        RestoreAsync(target, database, "pre-data", jobs: 1, noOwner, ct);

    public Task RestorePostDataAsync(ConnectionSpec target, string database, int jobs, bool noOwner, CancellationToken ct) =>
        RestoreAsync(target, database, "post-data", jobs, noOwner, ct);

    private async Task RestoreAsync(ConnectionSpec target, string database, string section, int jobs, bool noOwner, CancellationToken ct)
    {
        var arguments = new List<string> { $"--section={section}", "--exit-on-error", "--dbname", Conninfo.ForDatabase(database) };
        if (jobs > 1)
            arguments.Add($"--jobs={jobs}");
        if (noOwner)
            arguments.AddRange(["--no-owner", "--no-acl"]);
        arguments.Add(File);
        await PgToolRunner.RunAsync(tools.PgRestore, arguments, target.WithDatabase(database), $"database {database}: restoring the {section} schema", ct);
    }
}
