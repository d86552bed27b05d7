using System.Text;
using System.Text.Json;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.Errors;

namespace PgMove.Server.Api;

/// <summary>
/// Reads <c>{"source":{"host","dbname","port","username","password"},"disable_ssl":false,"ignore_dbs":[…]}</c>
/// strictly: wrong types, unknown or repeated fields and oversized values are refused with every problem named.
/// </summary>
public static class MigrationRequestParser
{
    public const int MaxBodyBytes = 64 * 1024;
    private const int MaxIgnoredDatabases = 1000;
    private static readonly string[] RootFields = ["source", "disable_ssl", "ignore_dbs", "method", "ddl_capture", "apply_ddl"];
    private static readonly string[] SourceFields = ["host", "dbname", "port", "username", "password"];

    /// <summary>Reads the body of a request; throws <see cref="ApiProblem"/> (422) when it is not a valid migration request.</summary>
    public static async Task<MigrationRequest> ReadAsync(HttpRequest request, CancellationToken ct) => Parse(await ReadBodyAsync(request, ct));

    /// <summary>The whole body of a request, refused (422) past <see cref="MaxBodyBytes"/>.</summary>
    internal static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
            throw ApiProblem.Unprocessable($"The request body is larger than {MaxBodyBytes} bytes.");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
                throw ApiProblem.Unprocessable($"The request body is larger than {MaxBodyBytes} bytes.");
        }
        return buffer.ToArray();
    }

    public static MigrationRequest Parse(ReadOnlyMemory<byte> body)
    {
        using var document = Document(body, maxDepth: 8);
        return Parse(document.RootElement);
    }

    /// <summary>
    /// The body of a control request (cutover, fallback, finish): <paramref name="empty"/> when there is none or it is
    /// JSON null, else <paramref name="read"/> of its object; 422 when it is not JSON or not an object.
    /// </summary>
    public static T ReadControlBody<T>(ReadOnlyMemory<byte> body, string example, T empty, Func<JsonElement, T> read)
    {
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
            return empty;
        using var document = Document(body, maxDepth: 4);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
            return empty;
        if (root.ValueKind != JsonValueKind.Object)
            throw ApiProblem.Unprocessable($"The request body must be a JSON object such as {example}.");
        return read(root);
    }

    private static JsonDocument Document(ReadOnlyMemory<byte> body, int maxDepth)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException error)
        {
            throw ApiProblem.Unprocessable($"The request body is not valid JSON ({error.Message.Split('.')[0]}).");
        }
    }

    private static MigrationRequest Parse(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
            throw ApiProblem.Unprocessable("The request body must be a JSON object with a source.");
        var fields = Fields(root, "", RootFields, problems);

        string? host = null, dbname = null, username = null, password = null;
        int? port = null;
        if (!fields.TryGetValue("source", out var source) || source.ValueKind == JsonValueKind.Null)
            problems.Add("source is required");
        else if (source.ValueKind != JsonValueKind.Object)
            problems.Add("source must be an object");
        else
        {
            var sourceFields = Fields(source, "source.", SourceFields, problems);
            host = Text(sourceFields, "host", "source.host", 253, required: true, problems);
            dbname = Text(sourceFields, "dbname", "source.dbname", 63, required: false, problems);
            username = Text(sourceFields, "username", "source.username", 63, required: true, problems);
            password = Text(sourceFields, "password", "source.password", 1024, required: false, problems);
            if (sourceFields.TryGetValue("port", out var portValue) && portValue.ValueKind != JsonValueKind.Null)
            {
                if (portValue.ValueKind != JsonValueKind.Number || !portValue.TryGetInt32(out var p) || p is < 1 or > 65535)
                    problems.Add("source.port must be an integer between 1 and 65535");
                else
                    port = p;
            }
            if (host is not null && (host.StartsWith('/') || host.Contains(',', StringComparison.Ordinal) || host.Any(char.IsWhiteSpace)))
                problems.Add("source.host must be one host name or IP address");
        }

        var disableSsl = OptionalFlag(fields, "disable_ssl", problems) ?? false;

        var ignore = new List<string>();
        if (fields.TryGetValue("ignore_dbs", out var dbs) && dbs.ValueKind != JsonValueKind.Null)
        {
            if (dbs.ValueKind != JsonValueKind.Array)
                problems.Add("ignore_dbs must be an array of database names");
            else if (dbs.GetArrayLength() > MaxIgnoredDatabases)
                problems.Add($"ignore_dbs holds more than {MaxIgnoredDatabases} names");
            else
            {
                foreach (var item in dbs.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } name
                        || Encoding.UTF8.GetByteCount(name) > 63 || name.Contains('\0', StringComparison.Ordinal))
                        problems.Add("ignore_dbs must hold database names (strings of 1 to 63 bytes)");
                    else
                        ignore.Add(name);
                }
            }
        }

        var migrationMethod = MigrationMethod.Relay;
        if (fields.TryGetValue("method", out var method) && method.ValueKind != JsonValueKind.Null)
        {
            switch (method.ValueKind == JsonValueKind.String ? method.GetString() : null)
            {
                case "relay" or "auto":
                    break;
                case "subscription":
                    migrationMethod = MigrationMethod.Subscription;
                    break;
                default:
                    problems.Add("method must be \"relay\" (the default, also \"auto\") or \"subscription\"");
                    break;
            }
        }

        // pgmove start --no-ddl-capture (false installs no event triggers on the source) and --apply-ddl.
        var captureDdl = OptionalFlag(fields, "ddl_capture", problems) ?? true;
        var applyDdl = OptionalFlag(fields, "apply_ddl", problems) ?? false;

        if (problems.Count > 0)
            throw ApiProblem.Unprocessable($"The request is not valid: {string.Join("; ", problems.Distinct())}.");

        try
        {
            var spec = ConnectionSpecParser.FromFields(host, port ?? 5432, dbname ?? "postgres", username, password, disableSsl, "source", NoEnvironment.Instance);
            return new MigrationRequest(spec, ignore.Distinct(StringComparer.Ordinal).ToList(), migrationMethod, captureDdl, applyDdl);
        }
        catch (UsageException error)
        {
            throw ApiProblem.Unprocessable($"{error.Message} {error.Fix}");
        }
    }

    internal static Dictionary<string, JsonElement> Fields(JsonElement element, string prefix, string[] known, List<string> problems)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                problems.Add($"{prefix}{Shorten(property.Name)} is not a known field (known: {string.Join(", ", known.Select(k => prefix + k))})");
            else if (!fields.TryAdd(property.Name, property.Value))
                problems.Add($"{prefix}{property.Name} is given twice");
        }
        return fields;
    }

    private static string? Text(Dictionary<string, JsonElement> fields, string name, string label, int maxBytes, bool required, List<string> problems)
    {
        if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                problems.Add($"{label} is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{label} must be a string");
            return null;
        }
        var text = value.GetString()!;
        if (required && text.Length == 0)
            problems.Add($"{label} must not be empty");
        else if (Encoding.UTF8.GetByteCount(text) > maxBytes)
            problems.Add($"{label} is longer than {maxBytes} bytes");
        else if (text.Contains('\0', StringComparison.Ordinal))
            problems.Add($"{label} must not contain a NUL character");
        else
            return text;
        return null;
    }

    /// <summary>An optional true/false field: null when missing or null; anything else is a problem (and null).</summary>
    internal static bool? OptionalFlag(IReadOnlyDictionary<string, JsonElement> fields, string name, List<string> problems)
    {
        if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return value.GetBoolean();
        problems.Add($"{name} must be true or false");
        return null;
    }

    private static string Shorten(string name) => name.Length > 40 ? name[..40] + "…" : name;
}
