using System.Text.Json;
using PgMove.Core.Verify;

namespace PgMove.Cli.Output;

/// <summary>
/// The verify report as a stable JSON document:
/// {"ok", "source", "target", "databases": [...], "summary": {"databases", "tables", "differing", "sourceRows", "targetRows"},
///  "tables": [{"database", "schema", "name", "match", "difference", "sourceRows", "targetRows", "keyColumn", "detail",
///  "ranges": [{"from", "to", "sourceRows", "targetRows"}]}]}. Every table is listed; missing sides and open range
/// bounds are null. Fields are only ever added, never renamed.
/// </summary>
internal static class VerifyJson
{
    public static void Write(VerifyReport report, TextWriter writer)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", !report.HasDifferences);
            json.WriteString("source", report.Source);
            json.WriteString("target", report.Target);
            json.WriteStartArray("databases");
            foreach (var database in report.Databases)
                json.WriteStringValue(database);
            json.WriteEndArray();
            json.WriteStartObject("summary");
            json.WriteNumber("databases", report.Databases.Count);
            json.WriteNumber("tables", report.Tables.Count);
            json.WriteNumber("differing", report.Differences.Count());
            json.WriteNumber("sourceRows", report.SourceRows);
            json.WriteNumber("targetRows", report.TargetRows);
            json.WriteEndObject();
            json.WriteStartArray("tables");
            foreach (var table in report.Tables)
                WriteTable(json, table);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        writer.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static string? Name(TableDifference difference) => difference switch
    {
        TableDifference.None => null,
        TableDifference.MissingOnTarget => "missing_on_target",
        TableDifference.MissingOnSource => "missing_on_source",
        TableDifference.Columns => "columns",
        TableDifference.RowCount => "row_count",
        TableDifference.Content => "content",
        _ => throw new ArgumentOutOfRangeException(nameof(difference)),
    };

    private static void WriteTable(Utf8JsonWriter json, TableComparison table)
    {
        json.WriteStartObject();
        json.WriteString("database", table.Database);
        json.WriteString("schema", table.Table.Schema);
        json.WriteString("name", table.Table.Name);
        json.WriteBoolean("match", table.Matches);
        WriteNullable(json, "difference", Name(table.Difference));
        WriteNullable(json, "sourceRows", table.SourceRows);
        WriteNullable(json, "targetRows", table.TargetRows);
        WriteNullable(json, "keyColumn", table.KeyColumn);
        WriteNullable(json, "detail", table.Detail);
        WriteNullable(json, "firstDifferingKey", table.FirstDifferingKey);
        json.WriteStartArray("ranges");
        foreach (var range in table.Ranges)
        {
            json.WriteStartObject();
            WriteNullable(json, "from", range.From);
            WriteNullable(json, "to", range.To);
            json.WriteNumber("sourceRows", range.SourceRows);
            json.WriteNumber("targetRows", range.TargetRows);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteString(name, value);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteNumber(name, value.Value);
    }
}
