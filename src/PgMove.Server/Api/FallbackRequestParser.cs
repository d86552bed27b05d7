using System.Text.Json;

namespace PgMove.Server.Api;

/// <summary>
/// Reads the bodies of POST …/fallback (<c>{"switch":"pgbouncer"}</c>) and POST …/finish (none, or <c>{}</c>) as strictly as
/// <see cref="CutoverRequestParser"/>: an unknown field or a wrong type is refused (422) with every problem named.
/// </summary>
public static class FallbackRequestParser
{
    private static readonly string[] FallbackFields = ["switch"];

    /// <summary>A fallback request; 422 unless it asks the cluster's PgBouncer.</summary>
    public static async Task<FallbackRequest> ReadFallbackAsync(HttpRequest request, CancellationToken ct) =>
        ParseFallback(await MigrationRequestParser.ReadBodyAsync(request, ct));

    /// <summary>A finish request: no body, or an empty object; 422 otherwise.</summary>
    public static async Task ReadFinishAsync(HttpRequest request, CancellationToken ct) =>
        ParseFinish(await MigrationRequestParser.ReadBodyAsync(request, ct));

    public static FallbackRequest ParseFallback(ReadOnlyMemory<byte> body)
    {
        var problems = new List<string>();
        var fields = Object(body, FallbackFields, "{\"switch\":\"pgbouncer\"}", problems);
        if (!fields.TryGetValue("switch", out var value) || value.ValueKind == JsonValueKind.Null)
            problems.Add($"switch is required: \"{CutoverRequestParser.PgBouncer}\" moves the applications back through the cluster's PgBouncer, as the cutover moved them");
        else if (value.ValueKind != JsonValueKind.String || value.GetString() != CutoverRequestParser.PgBouncer)
            problems.Add($"switch must be \"{CutoverRequestParser.PgBouncer}\" (the PgBouncer set for the cluster in the service's configuration); the service never runs a command");
        Refuse(problems);
        return new FallbackRequest(CutoverRequestParser.PgBouncer);
    }

    public static void ParseFinish(ReadOnlyMemory<byte> body)
    {
        var problems = new List<string>();
        Object(body, [], "{}", problems);
        Refuse(problems);
    }

    /// <summary>The fields of a JSON object body (none when the body is empty or null), unknown ones named in <paramref name="problems"/>.</summary>
    private static Dictionary<string, JsonElement> Object(ReadOnlyMemory<byte> body, string[] known, string example, List<string> problems) =>
        MigrationRequestParser.ReadControlBody(body, example, new Dictionary<string, JsonElement>(StringComparer.Ordinal), root =>
        {
            if (known.Length == 0)
            {
                foreach (var property in root.EnumerateObject())
                    problems.Add($"{(property.Name.Length > 40 ? property.Name[..40] + "…" : property.Name)} is not a known field (this request takes none)");
                return [];
            }
            // Cloned: the values outlive the document.
            return MigrationRequestParser.Fields(root, "", known, problems).ToDictionary(f => f.Key, f => f.Value.Clone(), StringComparer.Ordinal);
        });

    private static void Refuse(List<string> problems)
    {
        if (problems.Count > 0)
            throw ApiProblem.Unprocessable($"The request is not valid: {string.Join("; ", problems.Distinct())}.");
    }
}
