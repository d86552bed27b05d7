using Microsoft.AspNetCore.Mvc;
using PgMove.Core.Cutover;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Core.Switch;
using PgMove.Server.Configuration;
using PgMove.Server.Runner;

namespace PgMove.Server.Api;

/// <summary>What DigitalOcean's API lacks: clusters, lists, per-database detail, preflight alone, cutover.</summary>
internal static class PgMoveEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("PgMove");
        api.MapGet("/clusters", Clusters).WithSummary("The target clusters this service manages, each with its latest migration.")
            .Produces<IReadOnlyList<ClusterSummary>>();
        api.MapGet("/clusters/{cluster_uuid}/migrations", ClusterMigrations).WithSummary("Every migration into a cluster, newest first.")
            .Produces<IReadOnlyList<MigrationDetail>>().Produces<ApiError>(404);
        api.MapPost("/clusters/{cluster_uuid}/check", CheckAsync)
            .WithSummary("Run every preflight check for the body of a PUT online-migration, without starting anything.")
            .WithMetadata(new RequestBodyDoc(typeof(OnlineMigrationRequestDoc), Required: true))
            .Produces<CheckReport>().Produces<ApiError>(404).Produces<ApiError>(422);
        api.MapGet("/migrations", (ServiceSettings settings, StoreAccess stores) =>
                ApiJson.Result(stores.Read(s => s.All()).Where(r => settings.ClusterOf(r) is not null).Select(r => Views.Detail(r, settings)).ToList(), ApiJson.Default.ListMigrationDetail))
            .WithSummary("Every migration of the managed clusters, newest first.").Produces<IReadOnlyList<MigrationDetail>>();
        api.MapGet("/migrations/{migration_id}", (string migration_id, ServiceSettings settings, StoreAccess stores) =>
                ApiJson.Result(Views.Detail(Find(settings, stores, migration_id), settings, stores), ApiJson.Default.MigrationDetail))
            .WithSummary("One migration with per-database phase, copy progress, lag and WAL retained.")
            .Produces<MigrationDetail>().Produces<ApiError>(404);
        api.MapPost("/migrations/{migration_id}/cutover", CutoverAsync)
            .WithSummary("Cut over: wait for zero lag, copy sequences and large objects, verify, drop slots; with \"switch\": \"pgbouncer\", move the applications "
                + "through the cluster's configured PgBouncer (checked first: 422 when it cannot). Answers at once; poll the migration until done.")
            .WithMetadata(new RequestBodyDoc(typeof(CutoverRequest), Required: false))
            .Produces<MigrationDetail>(202).Produces<ApiError>(404).Produces<ApiError>(409).Produces<ApiError>(422);
        api.MapPost("/migrations/{migration_id}/fallback", FallbackAsync)
            .WithSummary("After a cutover with fallback: move the applications back to the old server (which followed the new one) through the cluster's "
                + "configured PgBouncer, the cutover's switch the other way round (checked first: 422 when it cannot). Answers at once (202); poll the "
                + "migration until it is syncing again (the new server following the old one). 409 when no way back runs; 200 with a note when it already fell back.")
            .WithMetadata(new RequestBodyDoc(typeof(FallbackRequest), Required: true))
            .Produces<MigrationDetail>(202).Produces<MigrationDetail>(200).Produces<ApiError>(404).Produces<ApiError>(409).Produces<ApiError>(422);
        api.MapPost("/migrations/{migration_id}/finish", FinishAsync)
            .WithSummary("After a cutover with fallback: end the way back (its slots and publication on the new server dropped; the old server stays read-only). "
                + "Waits for it; 200 with the migration, with a note when it had already ended; 409 when the migration was not cut over with fallback.")
            .Produces<MigrationDetail>(200).Produces<ApiError>(404).Produces<ApiError>(409).Produces<ApiError>(422);
    }

    private static IResult Clusters(ServiceSettings settings, StoreAccess stores)
    {
        var records = stores.Read(s => s.All());
        return ApiJson.Result(settings.Clusters.Select(c => new ClusterSummary(c.Id, c.Name, c.Target.ToString(), c.PgBouncer is not null,
            records.FirstOrDefault(r => settings.ClusterOf(r) == c) is { } latest ? Views.Detail(latest, settings) : null)).ToList(),
            ApiJson.Default.ListClusterSummary);
    }

    private static IResult ClusterMigrations([FromRoute(Name = "cluster_uuid")] string clusterUuid, ServiceSettings settings, StoreAccess stores)
    {
        var cluster = DigitalOceanEndpoints.Cluster(settings, clusterUuid);
        return ApiJson.Result(stores.ForCluster(cluster).Select(r => Views.Detail(r, settings, stores)).ToList(), ApiJson.Default.ListMigrationDetail);
    }

    private static async Task<IResult> CheckAsync([FromRoute(Name = "cluster_uuid")] string clusterUuid, HttpContext context, ServiceSettings settings)
    {
        var cluster = DigitalOceanEndpoints.Cluster(settings, clusterUuid);
        var request = await MigrationRequestParser.ReadAsync(context.Request, context.RequestAborted);
        var report = await PreflightRunner.RunAsync(new PreflightOptions
        {
            Source = request.Source,
            Target = cluster.Target,
            Method = request.Method,
            IgnoreDatabases = request.IgnoreDatabases,
            PgBinDirectory = settings.PgBinDirectory,
        }, context.RequestAborted);
        return ApiJson.Result(Views.Check(report), ApiJson.Default.CheckReport);
    }

    private static async Task<IResult> CutoverAsync([FromRoute(Name = "migration_id")] string migrationId, HttpContext context,
        ServiceSettings settings, StoreAccess stores, MigrationHost host)
    {
        var record = Find(settings, stores, migrationId);
        // A retry is an answer: a migration already cut over is shown as it is, with its recorded result.
        if (record.Status == MigrationStatus.Done)
            return ApiJson.Result(Views.Detail(record, settings), ApiJson.Default.MigrationDetail);
        if (!record.IsActive)
            throw ApiProblem.Conflict($"Migration {record.Id} is {Core.State.MigrationStore.Name(record.Status)}; only a running or syncing migration can be cut over.");
        var body = await CutoverRequestParser.ReadAsync(context.Request, context.RequestAborted);
        if (body.Fallback == true && record.Method != MigrationMethod.Relay)
            throw ApiProblem.Unprocessable($"Migration {record.Id} uses the {record.Method.ToString().ToLowerInvariant()} method; a fallback needs relay. Nothing was asked.");
        var switchSettings = body.Switch is null ? null : await CheckSwitchAsync(record, record, settings, stores, body.Fallback == true, context.RequestAborted);
        await host.RequestCutoverAsync(record, body.FreezeSource ?? false, switchSettings, context.RequestAborted);
        return ApiJson.Result(Views.Detail(stores.Read(s => s.Get(record.Id))!, settings), ApiJson.Default.MigrationDetail, StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// The fallback is the reverse stream's own cutover, with the cluster's switch, as pgmove fallback asks it
    /// (<see cref="MigrationControl.FindFallback"/>): the switch is checked first, then the request left for the stream's runner.
    /// </summary>
    private static async Task<IResult> FallbackAsync([FromRoute(Name = "migration_id")] string migrationId, HttpContext context,
        ServiceSettings settings, StoreAccess stores, MigrationHost host)
    {
        var record = Find(settings, stores, migrationId);
        await FallbackRequestParser.ReadFallbackAsync(context.Request, context.RequestAborted);
        var lookup = Lookup(stores, record, MigrationControl.FindFallback);
        if (lookup.AlreadyDone is not null)
            return Answer(record.Id, settings, stores, lookup.AlreadyDone);
        var switchSettings = await CheckSwitchAsync(record, lookup.Reverse, settings, stores, fallback: false, context.RequestAborted);
        await host.RequestCutoverAsync(lookup.Reverse, freezeSource: true, switchSettings, context.RequestAborted);
        return Answer(record.Id, settings, stores, null, StatusCodes.Status202Accepted);
    }

    /// <summary>Ends the way back as pgmove finish does (<see cref="MigrationControl.FindFinish"/>): its streams stopped, wherever they run.</summary>
    private static async Task<IResult> FinishAsync([FromRoute(Name = "migration_id")] string migrationId, HttpContext context,
        ServiceSettings settings, StoreAccess stores, MigrationHost host)
    {
        var record = Find(settings, stores, migrationId);
        await FallbackRequestParser.ReadFinishAsync(context.Request, context.RequestAborted);
        var lookup = Lookup(stores, record, MigrationControl.FindFinish);
        if (lookup.AlreadyDone is not null)
            return Answer(record.Id, settings, stores, lookup.AlreadyDone);
        bool finished;
        string message;
        try
        {
            (finished, message) = await MigrationControl.FinishAsync(lookup, stream => host.StopMigrationAsync(stream, context.RequestAborted));
        }
        catch (PgMoveException error)
        {
            throw ApiProblem.Conflict($"{error.Message} {error.Fix}");
        }
        return finished ? Answer(record.Id, settings, stores, message) : throw ApiProblem.Conflict(message);
    }

    /// <summary>The engine's lookup of the way back; 409 with its message and fix when there is none to act on.</summary>
    private static FallbackLookup Lookup(StoreAccess stores, MigrationRecord record, Func<Core.State.IMigrationStore, string?, FallbackLookup> find)
    {
        try
        {
            return stores.Read(s => find(s, record.Id));
        }
        catch (PgMoveException error) when (error.Code == "fallback.none")
        {
            throw ApiProblem.Conflict($"{error.Message} {error.Fix}");
        }
    }

    /// <summary>The migration as the store has it now, with its fallback and, for a request already carried out, what happened.</summary>
    private static IResult Answer(string id, ServiceSettings settings, StoreAccess stores, string? note, int? status = null) =>
        ApiJson.Result(Views.Detail(stores.Read(s => s.Get(id))!, settings, stores) with { Note = note }, ApiJson.Default.MigrationDetail, status);

    /// <summary>
    /// The cluster's PgBouncer switch, checked before anything is asked (its console answers, its ini is writable and has
    /// entries leading to the server the applications use now, <paramref name="switched"/>'s source): 422 naming the cause
    /// otherwise, and no request is left.
    /// </summary>
    /// <param name="record">The migration into the cluster.</param>
    /// <param name="switched">The record whose cutover switches: the migration itself, or for a fallback its reverse stream.</param>
    private static async Task<SwitchSettings> CheckSwitchAsync(MigrationRecord record, MigrationRecord switched, ServiceSettings settings, StoreAccess stores, bool fallback, CancellationToken ct)
    {
        var cluster = settings.ClusterOf(record)!;
        var configured = cluster.PgBouncer
            ?? throw ApiProblem.Unprocessable($"Cluster {cluster.Name} has no PgBouncer in the service's configuration, so this {(switched.Id == record.Id ? "cutover" : "fallback")} cannot switch the applications; nothing was asked. "
                + "Add \"pgbouncer\": {\"admin\": …} to the cluster in the configuration file and restart pgmove serve, or "
                + (switched.Id == record.Id ? "cut over without \"switch\" and re-point the applications yourself." : "use pgmove fallback with --switch-command on the same store."));
        var switchSettings = configured with { Fallback = fallback };
        var (source, target) = stores.Read(s => s.ReadSecrets(switched.Id));
        try
        {
            await CutoverSwitch.CheckAsync(switchSettings, source, target, switched.Databases.Select(d => d.Name).ToList(), ct);
        }
        catch (PgMoveException error)
        {
            throw ApiProblem.Unprocessable($"The PgBouncer of cluster {cluster.Name} cannot switch the applications; nothing was asked. {InServiceTerms(error.Message)} {InServiceTerms(error.Fix)}");
        }
        return switchSettings;
    }

    /// <summary>The engine's fixes name the CLI's options; here the same settings live in the cluster's configuration.</summary>
    private static string InServiceTerms(string text) => text
        .Replace("--pgbouncer-ini", "the cluster's pgbouncer.ini setting", StringComparison.Ordinal)
        .Replace("--pgbouncer", "the cluster's pgbouncer.admin setting", StringComparison.Ordinal)
        .Replace("Run pgmove as a user", "Run pgmove serve as a user", StringComparison.Ordinal);

    private static MigrationRecord Find(ServiceSettings settings, StoreAccess stores, string id)
    {
        var record = stores.Read(s => s.Get(id));
        return record is not null && settings.ClusterOf(record) is not null
            ? record
            : throw ApiProblem.NotFound($"There is no migration {DigitalOceanEndpoints.Shorten(id)} into a cluster of this service.");
    }
}
