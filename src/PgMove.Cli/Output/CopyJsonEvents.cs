using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PgMove.Core.Copy;

namespace PgMove.Cli.Output;

/// <summary>
/// --json for copy: one JSON object per line. Events as they happen ({"kind": "phase"|"table"|"warning"|"redo", …}),
/// a "progress" line per database every second and one after each table copied (so a copy shorter than a second
/// still shows its counters), and a final "result" line.
/// </summary>
internal sealed class CopyJsonEvents(TextWriter writer, CopyProgress progress)
{
    private static readonly CliJson Json = CliJson.Output(indented: false, skipNulls: true);

    private readonly Lock _gate = new();

    private void Write<T>(T line, JsonTypeInfo<T> type)
    {
        var text = JsonSerializer.Serialize(line, type);
        lock (_gate)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    public void OnEvent(CopyEvent e)
    {
        if (e.Kind is "step" or "build")
            return; // the run's own steps and each table's index builds go to the log only
        Write(new CopyEventLine(e.Kind, e.Database, e.Message, e.Table, e.Rows, e.Bytes, e.Seconds, DateTimeOffset.UtcNow), Json.CopyEventLine);
        // The engine raises a table's event after counting it done, so this line shows the counters including it.
        if (e.Kind == "table" && e.Database is not null)
            WriteProgress(progress.For(e.Database));
    }

    public void WriteProgress()
    {
        foreach (var db in progress.Databases)
            WriteProgress(db);
    }

    private void WriteProgress(DatabaseProgress db)
    {
        if (db.Phase is not (CopyPhase.Data or CopyPhase.PreData or CopyPhase.PostData or CopyPhase.Finishing))
            return;
        Write(new CopyProgressLine("progress", db.Database, db.Phase.ToString().ToLowerInvariant(), db.TablesDone, db.TablesTotal, db.BytesDone,
            db.BytesTotal, db.RowsDone, DateTimeOffset.UtcNow), Json.CopyProgressLine);
    }

    public void WriteResult(CopyResult result) => Write(new CopyResultLine(
        "result",
        Ok: true,
        result.Elapsed.TotalSeconds,
        result.Databases.Select(d => new CopyDatabaseLine(d.Database, d.Outcome, d.Tables, d.Rows, d.Bytes, d.Elapsed.TotalSeconds)).ToList(),
        result.Roles?.Created,
        result.Roles?.Failures), Json.CopyResultLine);

    /// <summary>The last line of a copy that failed: a script reading the lines sees how it ended.</summary>
    public void WriteFailure(Core.Errors.PgMoveException failure) =>
        Write(new CopyFailureLine("result", Ok: false, failure.Code, failure.Message, failure.Fix), Json.CopyFailureLine);
}
