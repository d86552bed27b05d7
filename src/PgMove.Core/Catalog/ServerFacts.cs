namespace PgMove.Core.Catalog;

/// <summary>What PgMove needs to know of a server and the role it connects as.</summary>
public sealed record ServerFacts
{
    public required int VersionNum { get; init; }
    public required string Version { get; init; }
    public int Major => VersionNum / 10000;
    public required bool IsSuperuser { get; init; }
    public required bool CanReplicate { get; init; }
    public required bool CanCreateDatabase { get; init; }
    public required bool CanCreateRole { get; init; }
    public required bool ReadsAllData { get; init; }
    public required string WalLevel { get; init; }
    public required int MaxReplicationSlots { get; init; }
    public required int MaxWalSenders { get; init; }
    public required int MaxLogicalReplicationWorkers { get; init; }
    public required int MaxWorkerProcesses { get; init; }
    public required string ListenAddresses { get; init; }
    public required int SlotsInUse { get; init; }
    public required int WalSendersInUse { get; init; }
    public required string CurrentUser { get; init; }
}
