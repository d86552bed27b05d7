namespace PgMove.Server.Api;

/// <summary>The PUT online-migration body as the OpenAPI document shows it (parsed by <see cref="MigrationRequestParser"/>).</summary>
internal sealed class OnlineMigrationRequestDoc
{
    public required OnlineMigrationSourceDoc Source { get; init; }

    /// <summary>true: connect to the source without TLS. The default value is false.</summary>
    public bool? DisableSsl { get; init; }

    /// <summary>Databases not to migrate; every other database of the source is.</summary>
    public IReadOnlyList<string>? IgnoreDbs { get; init; }

    /// <summary>
    /// PgMove: resume the subscription migration between these servers that stopped on DDL, running on the target the DDL
    /// captured on the source (as <c>pgmove start --apply-ddl</c>); 409 when there is none. The default value is false.
    /// </summary>
    public bool? ApplyDdl { get; init; }
}
