using PgMove.Core.Connections;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;

namespace PgMove.Core.State;

/// <summary>
/// Where migrations live: the runner writes progress through it, any other process or service node reads it and
/// leaves requests (stop, cutover) for the runner. <see cref="MigrationStore"/> is a SQLite file for one host;
/// <see cref="PostgresMigrationStore"/> is shared by several service nodes, which lease the migrations they run.
/// Connection specs, passwords included, are sealed with <see cref="SecretBox"/> in both.
/// </summary>
public interface IMigrationStore : IDisposable
{
    void Create(MigrationRecord record, ConnectionSpec source, ConnectionSpec target);

    /// <summary>
    /// Writes everything the runner owns; the request column is left to <see cref="SetRequest"/>. A runner calls it
    /// every second (its heartbeat); a record with no <see cref="MigrationRecord.RunnerPid"/> means the runner let go.
    /// </summary>
    void Update(MigrationRecord record);

    void SetRequest(string id, string? request);

    /// <summary>Keeps (sealed) how the next cutover switches the applications, or forgets it (null).</summary>
    void SetSwitch(string id, SwitchSettings? settings);

    /// <summary>What <see cref="SetSwitch"/> kept, or null.</summary>
    SwitchSettings? ReadSwitch(string id);

    /// <summary>
    /// Records the step a switch is about to take (before it takes it), or null once it has ended either way: after a
    /// crash the next runner finishes or rolls back the switch from here (<see cref="MigrationRecord.SwitchStep"/>).
    /// </summary>
    void SetSwitchStep(string id, string? step);

    MigrationRecord? Get(string id);

    /// <summary>The most recent migration, or the most recent between this source and target.</summary>
    MigrationRecord? Latest(string? source = null, string? target = null);

    IReadOnlyList<MigrationRecord> All();

    (ConnectionSpec Source, ConnectionSpec Target) ReadSecrets(string id);

    /// <summary>
    /// Makes this process the runner of <paramref name="record"/>, or returns false when another live runner has it:
    /// for SQLite a live process whose heartbeat is recent, for PostgreSQL another node's unexpired lease.
    /// </summary>
    bool TryClaim(MigrationRecord record);
}
