namespace PgMove.Core.Migrations;

/// <summary>A migration as the store keeps it. Connection secrets are not here: they stay sealed in the store.</summary>
public sealed record MigrationRecord
{
    public required string Id { get; init; }
    public required MigrationMethod Method { get; init; }
    public required MigrationStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string Source { get; init; }
    public required string Target { get; init; }
    public required IReadOnlyList<string> IgnoreDatabases { get; init; }
    public string? Error { get; init; }
    public string? Fix { get; init; }
    /// <summary>"stop" or "cutover" (or "cutover-freeze") asked from another process.</summary>
    public string? Request { get; init; }
    public int? RunnerPid { get; init; }
    public DateTimeOffset? RunnerHeartbeat { get; init; }
    /// <summary>
    /// The machine of the process that last wrote <see cref="RunnerHeartbeat"/> (the stores write it with the heartbeat
    /// and keep it once the runner lets go), so that status can say who runs the migration or who ran it last.
    /// </summary>
    public string? RunnerHost { get; init; }
    /// <summary>The service node that leases the migration (shared PostgreSQL store only); null with SQLite.</summary>
    public string? LeaseOwner { get; init; }
    /// <summary>Until when <see cref="LeaseOwner"/> holds it unless it renews the lease (its runner's heartbeat).</summary>
    public DateTimeOffset? LeaseUntil { get; init; }
    public string? Result { get; init; }
    public IReadOnlyList<DatabaseRecord> Databases { get; init; } = [];
    /// <summary>The preflight's warnings when the migration was created ("source.databases: …"), shown by status and the API.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The step an application switch (PgBouncer or a command) recorded last, in <see cref="Switch.SwitchStep"/> names, or
    /// null when no switch is under way: from it status says which server the applications use.
    /// </summary>
    public string? SwitchStep { get; init; }

    /// <summary>
    /// Relay: whether the migration installs the DDL capture on each source database (<see cref="MigrationOptions.CaptureDdl"/>
    /// when it was created; a resume keeps it). The default value is true.
    /// </summary>
    public bool CaptureDdl { get; init; } = true;

    /// <summary>The limits it runs under and when its age limit counts from; empty (the defaults, from creation) unless set.</summary>
    public RecordedLimits Limits { get; init; } = new();

    public bool IsActive => Status is MigrationStatus.Running or MigrationStatus.Syncing;
}
