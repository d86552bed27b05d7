using System.Text.Json;
using PgMove.Core.Preflight;

namespace PgMove.Cli.Output;

/// <summary>
/// The preflight report as a stable JSON document: {"ok", "method", "source", "target", "summary", "checks": [{"id", "status", "message", "fix"}]}.
/// Fields are only ever added, never renamed.
/// </summary>
internal static class PreflightJson
{
    public static void Write(PreflightReport report, TextWriter writer)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", !report.HasFailures);
            json.WriteString("method", report.Method.ToString().ToLowerInvariant());
            json.WriteString("source", report.Source);
            json.WriteString("target", report.Target);
            json.WriteStartObject("summary");
            foreach (var status in Enum.GetValues<CheckStatus>())
                json.WriteNumber(Name(status), report.Count(status));
            json.WriteEndObject();
            json.WriteStartArray("checks");
            foreach (var result in report.Results)
            {
                json.WriteStartObject();
                json.WriteString("id", result.Id);
                json.WriteString("status", Name(result.Status));
                json.WriteString("message", result.Message);
                if (result.Fix is null)
                    json.WriteNull("fix");
                else
                    json.WriteString("fix", result.Fix);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        writer.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static string Name(CheckStatus status) => status.ToString().ToLowerInvariant();
}
