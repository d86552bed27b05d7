using Xunit.Abstractions;
using Xunit.Sdk;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// Passes every message on; notes any failure (a test, or a fixture's clean-up), and when the assembly has finished,
/// has <see cref="TestRun"/> clean up first: all of its folder if nothing failed, else only the templates.
/// </summary>
internal sealed class RunEndSink(IMessageSink inner, IMessageSink diagnostics) : LongLivedMarshalByRefObject, IMessageSink
{
    private volatile bool _failed;

    public bool OnMessage(IMessageSinkMessage message)
    {
        if (message is IFailureInformation)
            _failed = true;
        if (message is ITestAssemblyFinished finished && TestRun.WasCreated)
        {
            var kept = TestRun.Finish(passed: !_failed && finished.TestsFailed == 0);
            if (kept is not null)
            {
                // Shown with diagnosticMessages on; scripts/test.sh says it in any case.
                diagnostics.OnMessage(new DiagnosticMessage($"this run failed: its servers' folders are kept in {kept} (the next test run removes them)"));
            }
        }
        return inner.OnMessage(message);
    }
}
