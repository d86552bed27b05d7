using System.Runtime.InteropServices;

namespace PgMove.Tests.Infrastructure;

/// <summary>Sends POSIX signals: PostgreSQL's shutdown modes are chosen by signal.</summary>
internal static partial class NativeSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;   // smart shutdown
    public const int SigInt = 2;     // fast shutdown
    public const int SigQuit = 3;    // immediate shutdown
    public const int SigStop = 19;
    public const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    public static bool IsAlive(int pid) => Kill(pid, 0) == 0;
}
