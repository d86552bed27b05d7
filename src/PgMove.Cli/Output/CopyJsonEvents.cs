using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PgMove.Core.Copy;

namespace PgMove.Cli.Output;

/// <summary>
/// --json for copy: one JSON object per line. Events as they happen ({"kind": "phase"|"table"|"warning"|"redo", …}),
/// a "progress" line per database every second, and a final "result" line.
/// </summary>
internal sealed class CopyJsonEvents(TextWriter writer)
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

    public void OnEvent(CopyEvent e) => Write(new CopyEventLine(e.Kind, e.Database, e.Message, e.Table, e.Rows, e.Bytes, e.Seconds, DateTimeOffset.UtcNow), Json.CopyEventLine);

    public void WriteProgress(CopyProgress progress)
    {
        foreach (var db in progress.Databases.Where(d => d.Phase is CopyPhase.Data or CopyPhase.PreData or CopyPhase.PostData or CopyPhase.Finishing))
        {
            Write(new CopyProgressLine("progress", db.Database, db.Phase.ToString().ToLowerInvariant(), db.TablesDone, db.TablesTotal, db.BytesDone,
                db.BytesTotal, db.RowsDone, DateTimeOffset.UtcNow), Json.CopyProgressLine);
        }
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
