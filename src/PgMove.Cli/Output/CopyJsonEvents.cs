using System.Text.Json;
using PgMove.Core.Copy;

namespace PgMove.Cli.Output;

/// <summary>
/// --json for copy: one JSON object per line. Events as they happen ({"kind": "phase"|"table"|"warning"|"redo", …}),
/// a "progress" line per database every second, and a final "result" line.
/// </summary>
internal sealed class CopyJsonEvents(TextWriter writer)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Lock _gate = new();

    public void Write(object line)
    {
        var text = JsonSerializer.Serialize(line, Options);
        lock (_gate)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    public void OnEvent(CopyEvent e) => Write(new { e.Kind, e.Database, e.Message, e.Table, e.Rows, e.Bytes, e.Seconds, At = DateTimeOffset.UtcNow });

    public void WriteProgress(CopyProgress progress)
    {
        foreach (var db in progress.Databases.Where(d => d.Phase is CopyPhase.Data or CopyPhase.PreData or CopyPhase.PostData or CopyPhase.Finishing))
        {
            Write(new
            {
                Kind = "progress",
                db.Database,
                Phase = db.Phase.ToString().ToLowerInvariant(),
                db.TablesDone,
                db.TablesTotal,
                db.BytesDone,
                db.BytesTotal,
                db.RowsDone,
                At = DateTimeOffset.UtcNow,
            });
        }
    }

    public void WriteResult(CopyResult result) => Write(new
    {
        Kind = "result",
        Ok = true,
        Seconds = result.Elapsed.TotalSeconds,
        Databases = result.Databases.Select(d => new { d.Database, d.Outcome, d.Tables, d.Rows, d.Bytes, Seconds = d.Elapsed.TotalSeconds }),
        RolesCreated = result.Roles?.Created,
        RoleFailures = result.Roles?.Failures,
    });
}
