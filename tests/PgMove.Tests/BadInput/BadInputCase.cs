using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.BadInput;

/// <summary>
/// One bad input: how to set it up (arguments, and any cluster of its own), the exit code, and the words of the
/// message and of the fix the user must read.
/// </summary>
public sealed record BadInputCase(string Name, int ExitCode, string[] Expected, Func<BadInputServers, Task<BadInputSetup>> Arrange)
{
    public override string ToString() => Name;
}

/// <summary>The command line of a case, and the clusters it started for itself (checked, then disposed).</summary>
public sealed record BadInputSetup(string[] Args, params PgCluster[] Own);
