using System.Globalization;
using PgMove.Core.Migrations;
using PgMove.Core.Switch;
using PgMove.Core.Preflight;
using PgMove.Core.State;
using PgMove.Server.Configuration;

namespace PgMove.Server.Api;

/// <summary>Turns store records into the API's JSON shapes.</summary>
internal static class Views
{
    /// <summary>ISO 8601 to the second, UTC, as DigitalOcean writes it: 2026-11-23T10:00:00Z.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static OnlineMigration Online(MigrationRecord record, bool details) => new(record.Id, MigrationStore.Name(record.Status), Time(record.CreatedAt))
    {
        Error = details && record.Status == MigrationStatus.Error ? record.Error : null,
        Fix = details && record.Status == MigrationStatus.Error ? record.Fix : null,
    };

    /// <param name="stores">When given, the detail holds the fallback of a migration cut over with one (a read of the store more).</param>
    public static MigrationDetail Detail(MigrationRecord record, ServiceSettings settings, Runner.StoreAccess? stores = null) => new(
        record.Id,
        settings.ClusterOf(record)?.Id,
        MigrationStore.Name(record.Status),
        Time(record.CreatedAt),
        Time(record.UpdatedAt),
        record.Source,
        record.IgnoreDatabases,
        record.Error,
        record.Fix,
        record.Result,
        record.Request,
        record.Databases.Select(d => new DatabaseDetail(
            d.Name, d.Phase.ToString().ToLowerInvariant(), d.CopyDone, d.TablesDone, d.TablesTotal, d.BytesDone, d.BytesTotal, d.RowsDone,
            d.AppliedLsn, d.SourceLsn, d.LagBytes, d.LagSeconds is { } s ? Math.Round(s, 3) : null, d.RetainedWalBytes,
            d.ChangesApplied, d.DdlApplied, d.ChangesPerSecond is { } c ? Math.Round(c, 1) : null, d.LastError)).ToList(),
        record.Warnings,
        new RunnerDetail(MigrationControl.HasLiveRunner(record), record.RunnerPid, record.LeaseOwner ?? record.RunnerHost,
            record.RunnerHeartbeat is { } beat ? Time(beat) : null),
        ApplicationsState.Of(record),
        stores?.Read(s => Core.Fallback.FallbackState.Of(s, record)));

    public static CheckReport Check(PreflightReport report) => new(!report.HasFailures,
        report.Results.Select(r => new CheckItem(r.Id, r.Status.ToString().ToLowerInvariant(), r.Message, r.Fix)).ToList());

    /// <summary>The 422 message of a refused preflight: each failed check with its fix.</summary>
    public static string PreflightMessage(PreflightReport report) =>
        "Preflight failed; nothing was created. " + string.Join(" ", report.Failures.Select(f => $"[{f.Id}] {f.Message} Fix: {f.Fix}"));
}
