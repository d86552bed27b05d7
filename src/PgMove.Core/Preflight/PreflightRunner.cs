using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Preflight.Checks;

namespace PgMove.Core.Preflight;

/// <summary>
/// Runs every check and reports them all, failing ones included: the user fixes everything in one go.
/// It only reads: nothing is created on either server.
/// </summary>
public static class PreflightRunner
{
    /// <summary>Every check, in the order of the report.</summary>
    public static IReadOnlyList<IPreflightCheck> Checks { get; } =
    [
        new TlsCheck(),
        new SameServerCheck(),
        new SourceReadOnlyCheck(),
        new TargetReadOnlyCheck(),
        new VersionCheck(),
        new SourcePrivilegesCheck(),
        new TargetPrivilegesCheck(),
        new WalLevelCheck(),
        new ReplicationSlotsCheck(),
        new WalSendersCheck(),
        new LogicalWorkersCheck(),
        new ListenAddressesCheck(),
        new TargetReachesSourceCheck(),
        new TargetSubscriptionCheck(),
        new DatabaseListCheck(),
        new PrimaryKeysCheck(),
        new ReplicaIdentityEqualityCheck(),
        new RowSecurityCheck(),
        new LargeObjectsCheck(),
        new UnloggedTablesCheck(),
        new MaterializedViewsCheck(),
        new ExtensionsCheck(),
        new LanguagesCheck(),
        new CollationsCheck(),
        new PgDumpVersionCheck(),
        new ExistingTargetDatabasesCheck(),
        new OpenTransactionsCheck(),
        new DdlCaptureCheck(),
    ];

    public static async Task<PreflightReport> RunAsync(PreflightOptions options, CancellationToken ct)
    {
        var context = new PreflightContext(options);
        var results = new List<CheckResult>();

        results.Add(await ConnectSourceAsync(context, ct));
        results.Add(await ConnectTargetAsync(context, ct));
        if (context.Source is not null)
            results.AddRange(await ReadSourceDatabasesAsync(context, ct));

        foreach (var check in Checks)
        {
            var missing = (check.Needs.HasFlag(CheckNeeds.Source) && context.Source is null ? "source" : null)
                          ?? (check.Needs.HasFlag(CheckNeeds.Target) && context.Target is null ? "target" : null);
            if (missing is not null)
            {
                results.Add(CheckResult.Skip(check.Id, $"Not checked: the {missing} could not be reached."));
                continue;
            }
            results.AddRange(await check.RunAsync(context, ct));
        }
        return new PreflightReport(options.Method, options.Source.ToString(), options.Target.ToString(), results);
    }

    private static async Task<CheckResult> ConnectSourceAsync(PreflightContext context, CancellationToken ct)
    {
        const string id = "source.connection";
        try
        {
            await using var connection = await PgConnector.OpenAsync(context.Options.Source, "source", ct);
            var batch = new CatalogBatch(connection);
            var facts = CatalogReader.AddServer(batch);
            var tls = AddTls(batch);
            var databases = CatalogReader.AddDatabases(batch);
            var readOnly = CatalogReader.AddReadOnlyState(batch);
            var fingerprint = CatalogReader.AddFingerprint(batch);
            await batch.ExecuteAsync(ct);
            context.Source = facts();
            context.SourceTls = tls();
            context.SourceDatabases = databases();
            context.SourceReadOnly = readOnly();
            context.SourceFingerprint = fingerprint();
            return CheckResult.Pass(id, $"Connected to {context.Options.Source} as '{context.Source.CurrentUser}': PostgreSQL {context.Source.Version}.");
        }
        catch (PgMoveException error)
        {
            return new CheckResult(id, CheckStatus.Fail, $"[{error.Code}] {error.Message}", error.Fix);
        }
    }

    private static async Task<CheckResult> ConnectTargetAsync(PreflightContext context, CancellationToken ct)
    {
        const string id = "target.connection";
        try
        {
            await using var connection = await PgConnector.OpenAsync(context.Options.Target, "target", ct);
            var batch = new CatalogBatch(connection);
            var facts = CatalogReader.AddServer(batch);
            var tls = AddTls(batch);
            var databases = CatalogReader.AddDatabases(batch);
            var extensions = CatalogReader.AddAvailableExtensions(batch);
            var locales = CatalogReader.AddLocales(batch);
            var readOnly = CatalogReader.AddReadOnlyState(batch);
            var fingerprint = CatalogReader.AddFingerprint(batch);
            await batch.ExecuteAsync(ct);
            context.Target = facts();
            context.TargetTls = tls();
            context.TargetDatabases = databases();
            context.TargetExtensions = extensions();
            context.TargetLocales = locales();
            context.TargetReadOnly = readOnly();
            context.TargetFingerprint = fingerprint();
            return CheckResult.Pass(id, $"Connected to {context.Options.Target} as '{context.Target.CurrentUser}': PostgreSQL {context.Target.Version}.");
        }
        catch (PgMoveException error)
        {
            return new CheckResult(id, CheckStatus.Fail, $"[{error.Code}] {error.Message}", error.Fix);
        }
    }

    /// <summary>Picks the databases to migrate and reads each one's facts; one that cannot be opened is a failure.</summary>
    private static async Task<IReadOnlyList<CheckResult>> ReadSourceDatabasesAsync(PreflightContext context, CancellationToken ct)
    {
        context.DatabasesToMigrate = DatabaseSelection.Select(context.SourceDatabases, context.Options.IgnoreDatabases);

        var results = new List<CheckResult>();
        var facts = new List<SourceDatabaseFacts>();
        foreach (var database in context.DatabasesToMigrate)
        {
            try
            {
                await using var connection = await context.OpenSourceAsync(database.Name, ct);
                var batch = new CatalogBatch(connection);
                var databaseFacts = CatalogReader.AddDatabaseFacts(batch);
                var withoutKey = CatalogReader.AddTablesWithoutKey(batch);
                var extensions = CatalogReader.AddExtensions(batch);
                var languages = CatalogReader.AddLanguages(batch);
                var collations = CatalogReader.AddCollations(batch);
                await batch.ExecuteAsync(ct);
                facts.Add(new SourceDatabaseFacts(database, databaseFacts(), withoutKey(), extensions(), languages(), collations()));
            }
            catch (PgMoveException error)
            {
                results.Add(CheckResult.Fail("source.database_access", $"Database '{database.Name}' cannot be opened: {error.Message}", error.Fix));
            }
            catch (PostgresException error)
            {
                results.Add(CheckResult.Fail("source.database_access", $"Database '{database.Name}' cannot be read: {error.MessageText}",
                    "Grant the PgMove user access to every database to migrate, or add it to --ignore-db."));
            }
        }
        context.SourceDatabaseFacts = facts;
        return results;
    }

    private static Func<string?> AddTls(CatalogBatch batch)
    {
        var rows = batch.Add("SELECT CASE WHEN ssl THEN version END FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()",
            r => r.IsDBNull(0) ? null : r.GetString(0));
        return () => rows().FirstOrDefault();
    }
}
