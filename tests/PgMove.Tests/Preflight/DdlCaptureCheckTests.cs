using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Preflight;

/// <summary>source.ddl_capture: says whether DDL will be carried, and names event triggers already on the source.</summary>
public sealed class DdlCaptureCheckTests
{
    [SkippableFact]
    public async Task DdlCapture_ExistingEventTrigger_WarnsNamingIt_PassesWithoutIt_SkippedWhenTurnedOff()
    {
        await using var scenario = await PreflightScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        var clean = await scenario.RunAsync();
        ReportAssert.Has(clean, "source.ddl_capture", CheckStatus.Pass, "DDL on the source is carried");

        await scenario.Source.ExecuteAsync(
            "CREATE FUNCTION audit_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ddl'; END $$; " +
            "CREATE EVENT TRIGGER audit ON ddl_command_end EXECUTE FUNCTION audit_ddl()", "shop");
        var report = await scenario.RunAsync();
        ReportAssert.Has(report, "source.ddl_capture", CheckStatus.Warn, "audit (ddl_command_end, function public.audit_ddl) in shop", "ALTER EVENT TRIGGER name DISABLE");

        // pgmove start --no-ddl-capture: nothing of it matters then.
        var off = await scenario.RunAsync(configure: o => o with { CaptureDdl = false });
        ReportAssert.Has(off, "source.ddl_capture", CheckStatus.Skip, "--no-ddl-capture", "will not be carried");

        var dump = await scenario.RunAsync(MigrationMethod.Dump);
        ReportAssert.Has(dump, "source.ddl_capture", CheckStatus.Skip);
    }
}
