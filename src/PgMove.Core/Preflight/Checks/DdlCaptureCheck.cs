using Npgsql;
using PgMove.Core.Migrations;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// Relay: whether DDL on the source will be carried (the capture needs event triggers: a superuser and PostgreSQL
/// 14 or later), and which event triggers already on the source could get in its way. Only warnings: without the
/// capture a database stops at its first changed table with the statement to run (as before the capture), and an
/// event trigger of the user's that runs DDL of its own stops the database with the statement named; neither
/// loses or corrupts anything, so neither is a reason to refuse the migration.
/// </summary>
internal sealed class DdlCaptureCheck : CheckBase
{
    public override string Id => "source.ddl_capture";

    protected override async Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Relay)
            return Skip($"The {context.Method.ToString().ToLowerInvariant()} method does not carry DDL.");
        const string without = "DDL on the source will not be carried: a database whose table changes shape stops at the first change that needs it, with the statement to run on the target.";
        if (!context.Options.CaptureDdl)
            return Skip($"The DDL capture is turned off (--no-ddl-capture). {without}");
        if (context.Source is not { } source)
            return Skip("The source could not be read.");
        if (source.Major < DdlCapture.MinimumMajor)
            return Warn($"{without} The capture needs PostgreSQL {DdlCapture.MinimumMajor} or later (logical decoding messages); the source runs {source.Major}.",
                "Repeat schema changes on the target by hand while the migration runs, or keep the schema still until cutover.");
        if (!source.IsSuperuser)
            return Warn($"{without} The capture installs event triggers, which need a superuser; the source user is not one.",
                "Connect to the source as a superuser to carry DDL, or repeat schema changes on the target by hand while the migration runs.");

        var found = new List<string>();
        foreach (var database in context.DatabasesToMigrate)
        {
            await using var connection = await context.OpenSourceAsync(database.Name, ct);
            await using var command = new NpgsqlCommand(
                "SELECT evtname || ' (' || evtevent || ', function ' || evtfoid::pg_catalog.regproc::text || ')' FROM pg_catalog.pg_event_trigger " +
                "WHERE evtname NOT LIKE 'pgmove%' AND evtenabled <> 'D' ORDER BY evtname", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                found.Add($"{reader.GetString(0)} in {database.Name}");
        }
        if (found.Count > 0)
            return Warn($"DDL on the source is carried to the target, but event triggers are already there: {List(found)}. One that runs DDL of its own makes the user's statement impossible to repeat (that database stops, naming it); one that only records or refuses DDL is harmless. They are copied to the target, where they do not fire while PgMove applies changes as a superuser (session_replication_role = replica).",
                "If one runs DDL of its own, disable it for the migration (ALTER EVENT TRIGGER name DISABLE) or repeat its statements' changes on the target by hand when a database stops.");
        return Pass("DDL on the source is carried to the target: PgMove installs event triggers in each source database at start and removes them at stop and cutover.");
    }
}
