using PgMove.Server.Api;
using PgMove.Server.Runner;

namespace PgMove.Server.Operations;

/// <summary>/healthz: 200 when the store answers, 503 otherwise. No token: load balancers probe it.</summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", (StoreAccess stores, MigrationHost host) =>
        {
            try
            {
                var migrations = stores.Read(store => store.All().Count);
                return ApiJson.Result(new Health("ok", migrations, host.Running.Count), ApiJson.Default.Health);
            }
            catch (Exception error) when (error is IOException or Microsoft.Data.Sqlite.SqliteException or UnauthorizedAccessException or Core.Errors.PgMoveException)
            {
                return ApiJson.Result(new Health("unavailable", Error: "the state store cannot be read"), ApiJson.Default.Health, StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Operations").WithSummary("Liveness and store health.");
}
