using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgMove.Server.Operations;

namespace PgMove.Server.Api;

/// <summary>
/// Every JSON shape of the service, with serializers generated at build time: the installed pgmove is a native
/// program, which cannot build serializers by reflection at run time. Snake case, nulls left out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(OnlineMigration))]
[JsonSerializable(typeof(MigrationDetail))]
[JsonSerializable(typeof(List<MigrationDetail>))]
[JsonSerializable(typeof(IReadOnlyList<MigrationDetail>))]
[JsonSerializable(typeof(List<ClusterSummary>))]
[JsonSerializable(typeof(IReadOnlyList<ClusterSummary>))]
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(CutoverRequest))]
[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(OnlineMigrationRequestDoc))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary><c>Results.Json</c> with the generated serializer of <typeparamref name="T"/>.</summary>
    public static IResult Result<T>(T value, int? statusCode = null) =>
        Results.Json(value, (JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!, statusCode: statusCode);

    /// <summary>The service's JSON options (request bodies, the OpenAPI document) resolve these types first.</summary>
    public static void Configure(JsonSerializerOptions options) => options.TypeInfoResolverChain.Insert(0, Default);
}
