using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PgMove.Tests.Infrastructure;

/// <summary>Runs the tests as xunit does, reporting through a <see cref="RunEndSink"/>.</summary>
internal sealed class RunEndExecutor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
{
    protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions) =>
        base.RunTestCases(testCases, new RunEndSink(executionMessageSink, DiagnosticMessageSink), executionOptions);
}
