using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("PgMove.Tests.Infrastructure.RunEndFramework", "PgMove.Tests")]

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// xunit's own framework, plus a hook at the end of the run: <see cref="TestRun.Finish"/> cleans the run's folder
/// before the runner hears the run is over. Process exit comes too late for that: the test host is killed about
/// 100 ms after the last result, mid-delete.
/// </summary>
public sealed class RunEndFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new RunEndExecutor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);
}
