using System.Text.Json;

namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// One DDL event as the source's capture sent it (install_capture.sql): the query string it came from, which DDL
/// event of that string it is, the session's search_path and role; or the error that kept the capture from
/// describing it.
/// </summary>
internal sealed record DdlEvent(string Event, string Tag, string Query, int Ordinal, string? SearchPath, string? Role,
    IReadOnlyList<string> Objects, string? Error)
{
    /// <summary>Sent at the start of the command (CREATE TABLE AS, SELECT INTO), before the rows it writes.</summary>
    public bool AtStart => Event == "ddl_command_start";

    /// <summary>What it changed, for logs: object identities, else the command tag.</summary>
    public string ObjectsText => Objects.Count > 0 ? string.Join(", ", Objects) : "-";

    public static DdlEvent Parse(ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        var root = document.RootElement;
        var objects = new List<string>();
        foreach (var list in new[] { "objects", "dropped" })
        {
            if (root.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (String(item, "identity") is { } identity)
                        objects.Add($"{String(item, "type")} {identity}{(list == "dropped" ? " (dropped)" : "")}");
                }
            }
        }
        return new DdlEvent(String(root, "event") ?? "", String(root, "tag") ?? "", String(root, "query") ?? "",
            root.TryGetProperty("ordinal", out var ordinal) && ordinal.ValueKind == JsonValueKind.Number ? ordinal.GetInt32() : 0,
            String(root, "search_path"), String(root, "role"), objects, String(root, "error"));
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
