using System.Text.Json;

namespace PgMove.Server.Api;

/// <summary>
/// Reads <c>{"freeze_source":true,"switch":"pgbouncer"}</c> strictly, as <see cref="MigrationRequestParser"/> does:
/// an unknown field (a command, say) or a wrong type is refused with every problem named, never ignored.
/// </summary>
public static class CutoverRequestParser
{
    /// <summary>The one switch the service offers: the cluster's PgBouncer from its configuration.</summary>
    public const string PgBouncer = "pgbouncer";

    private static readonly string[] RootFields = ["freeze_source", "switch", "fallback"];

    /// <summary>Reads the body (none is a plain cutover); throws <see cref="ApiProblem"/> (422) when it is not a valid cutover request.</summary>
    public static async Task<CutoverRequest> ReadAsync(HttpRequest request, CancellationToken ct) =>
        Parse(await MigrationRequestParser.ReadBodyAsync(request, ct));

    public static CutoverRequest Parse(ReadOnlyMemory<byte> body) =>
        MigrationRequestParser.ReadControlBody(body, "{\"freeze_source\":true} or {\"switch\":\"pgbouncer\"}", new CutoverRequest(null, null), root =>
        {
            var problems = new List<string>();
            var fields = MigrationRequestParser.Fields(root, "", RootFields, problems);
            var freeze = MigrationRequestParser.OptionalFlag(fields, "freeze_source", problems);
            string? switchName = null;
            if (fields.TryGetValue("switch", out var switchValue) && switchValue.ValueKind != JsonValueKind.Null)
            {
                if (switchValue.ValueKind == JsonValueKind.String && switchValue.GetString() == PgBouncer)
                    switchName = PgBouncer;
                else
                    problems.Add($"switch must be \"{PgBouncer}\" (the PgBouncer set for the cluster in the service's configuration) or left out; the service never runs a command");
            }
            var fallback = MigrationRequestParser.OptionalFlag(fields, "fallback", problems);
            if (fallback == true && switchName is null)
                problems.Add($"fallback needs \"switch\":\"{PgBouncer}\" (the way back starts at the switch of the applications)");
            if (problems.Count > 0)
                throw ApiProblem.Unprocessable($"The request is not valid: {string.Join("; ", problems.Distinct())}.");
            return new CutoverRequest(freeze, switchName, fallback);
        });
}
