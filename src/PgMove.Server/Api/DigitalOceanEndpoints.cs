using Microsoft.AspNetCore.Mvc;
using PgMove.Core.Copy;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Server.Configuration;
using PgMove.Server.Operations;
using PgMove.Server.Runner;

namespace PgMove.Server.Api;

/// <summary>DigitalOcean's online-migration endpoints, wire-compatible: only the base URL changes for a client.</summary>
internal static class DigitalOceanEndpoints
{
    private const string Path = "/v2/databases/{database_cluster_uuid}/online-migration";

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("DigitalOcean online migration");
        group.MapPut(Path, StartAsync).WithName("databases_update_onlineMigration")
            .WithSummary("Start an online migration into the cluster (preflight first).")
            .WithMetadata(new RequestBodyDoc(typeof(OnlineMigrationRequestDoc), Required: true))
            .Produces<OnlineMigration>().Produces<ApiError>(401).Produces<ApiError>(404).Produces<ApiError>(409).Produces<ApiError>(422);
        group.MapGet(Path, Latest).WithName("databases_get_migrationStatus")
            .WithSummary("The most recent online migration of the cluster.")
            .Produces<OnlineMigration>().Produces<ApiError>(401).Produces<ApiError>(404);
        group.MapDelete(Path + "/{migration_id}", StopAsync).WithName("databases_delete_onlineMigration")
            .WithSummary("Stop an online migration: it becomes canceled, the data copied so far stays on the target.")
            .Produces(204).Produces<ApiError>(401).Produces<ApiError>(404).Produces<ApiError>(409);
    }

    internal static ManagedCluster Cluster(ServiceSettings settings, string uuid) =>
        settings.FindCluster(uuid) ?? throw ApiProblem.NotFound($"There is no database cluster {Shorten(uuid)} managed by this service.");

    private static async Task<IResult> StartAsync([FromRoute(Name = "database_cluster_uuid")] string databaseClusterUuid, HttpContext context,
        ServiceSettings settings, MigrationHost host, ILogger<MigrationHost> logger)
    {
        var cluster = Cluster(settings, databaseClusterUuid);
        var request = await MigrationRequestParser.ReadAsync(context.Request, context.RequestAborted);
        try
        {
            var record = await host.StartMigrationAsync(cluster, request, context.RequestAborted);
            return ApiJson.Result(Views.Online(record, details: false), ApiJson.Default.OnlineMigration);
        }
        catch (PreflightFailedException failed)
        {
            ServiceLog.PreflightRefused(logger, cluster.Name, string.Join(", ", failed.Report.Failures.Select(f => f.Id)));
            throw ApiProblem.Unprocessable(Views.PreflightMessage(failed.Report));
        }
        catch (ClusterBusyException busy)
        {
            throw ApiProblem.Conflict($"{busy.Message} {busy.Fix}");
        }
        catch (PgMoveException error) when (error.Code is "migration.already_running" or "usage.apply_ddl")
        {
            throw ApiProblem.Conflict($"{error.Message} {error.Fix}");
        }
    }

    private static IResult Latest([FromRoute(Name = "database_cluster_uuid")] string databaseClusterUuid, ServiceSettings settings, StoreAccess stores)
    {
        var cluster = Cluster(settings, databaseClusterUuid);
        var latest = stores.ForCluster(cluster).FirstOrDefault()
            ?? throw ApiProblem.NotFound($"Database cluster {cluster.Name} has no online migration.");
        return ApiJson.Result(Views.Online(latest, details: true), ApiJson.Default.OnlineMigration);
    }

    private static async Task<IResult> StopAsync([FromRoute(Name = "database_cluster_uuid")] string databaseClusterUuid, [FromRoute(Name = "migration_id")] string migrationId,
        HttpContext context, ServiceSettings settings, StoreAccess stores, MigrationHost host)
    {
        var cluster = Cluster(settings, databaseClusterUuid);
        var record = stores.Read(store => store.Get(migrationId));
        if (record is null || settings.ClusterOf(record) != cluster)
            throw ApiProblem.NotFound($"Database cluster {cluster.Name} has no online migration {Shorten(migrationId)}.");
        if (record.Status == MigrationStatus.Done)
            throw ApiProblem.Conflict($"Migration {record.Id} is done (cut over); there is nothing to stop.");
        if (record.Status != MigrationStatus.Canceled)
        {
            MigrationRecord stopped;
            try
            {
                stopped = await host.StopMigrationAsync(record.Id, context.RequestAborted);
            }
            catch (PgMoveException error) when (error.Code is "migration.switching" or "migration.cutover_finishing" or "migration.cut_over_meanwhile")
            {
                throw ApiProblem.Conflict($"{error.Message} {error.Fix}");
            }
            if (stopped.Status != MigrationStatus.Canceled)
                throw ApiProblem.Conflict($"Migration {record.Id} could not be stopped; it is {Core.State.MigrationStore.Name(stopped.Status)}: {stopped.Error ?? stopped.Result}");
        }
        return Results.NoContent();
    }

    /// <summary>Echoes what the caller sent only in a bounded length.</summary>
    internal static string Shorten(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
