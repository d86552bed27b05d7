using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PgMove.Server.Api;

/// <summary>Adds the request bodies named by <see cref="RequestBodyDoc"/> to the OpenAPI document.</summary>
internal static class RequestBodyTransformer
{
    public static async Task ApplyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyDoc>().FirstOrDefault() is not { } doc)
            return;
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = doc.Required,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(doc.Type, null, ct) },
            },
        };
    }
}
