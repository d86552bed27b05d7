using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgMove.Server.Operations;

namespace PgMove.Server.Api;

/// <summary>
/// Every JSON shape of the service, with serializers generated at build time: the installed pgmove is a native
/// program, which cannot build serializers by reflection at run time. The same settings as the service's HTTP JSON
/// options (web defaults: names matched without case on reading; snake case, nulls left out).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(OnlineMigration))]
[JsonSerializable(typeof(MigrationDetail))]
[JsonSerializable(typeof(List<MigrationDetail>))]
[JsonSerializable(typeof(IReadOnlyList<MigrationDetail>))]
[JsonSerializable(typeof(List<ClusterSummary>))]
[JsonSerializable(typeof(IReadOnlyList<ClusterSummary>))]
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(CutoverRequest))]
[JsonSerializable(typeof(FallbackRequest))]
[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(OnlineMigrationRequestDoc))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary><c>Results.Json</c> with a generated serializer (<c>ApiJson.Default.ApiError</c>, …).</summary>
    public static IResult Result<T>(T value, JsonTypeInfo<T> type, int? statusCode = null) => Results.Json(value, type, statusCode: statusCode);

    /// <summary>The service's HTTP JSON options (the OpenAPI document): these settings, and these types resolved first.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = Default.Options.PropertyNamingPolicy;
        options.DefaultIgnoreCondition = Default.Options.DefaultIgnoreCondition;
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
