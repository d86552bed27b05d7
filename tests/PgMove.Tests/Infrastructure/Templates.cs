using System.Collections.Concurrent;
using System.Diagnostics;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// One initdb per major and run; every cluster starts from a copy of it, which takes a fraction of initdb's time.
/// </summary>
internal static class Templates
{
    private static readonly ConcurrentDictionary<int, Lazy<Task<string>>> ByMajor = new();

    public static async Task CopyToAsync(PgInstallations.Installation installation, string dataDir, CancellationToken ct)
    {
        var template = await ByMajor.GetOrAdd(installation.Major, _ => new Lazy<Task<string>>(() => InitDbAsync(installation))).Value;
        using var copy = Process.Start(new ProcessStartInfo("cp", ["-a", template, dataDir]) { UseShellExecute = false })!;
        await copy.WaitForExitAsync(ct);
        if (copy.ExitCode != 0)
            throw new InvalidOperationException($"copying the PostgreSQL {installation.Major} template to {dataDir} failed");
    }

    private static async Task<string> InitDbAsync(PgInstallations.Installation installation)
    {
        var root = Path.Combine(TestRun.Directory, $"template-{installation.Major}");
        Directory.CreateDirectory(root);
        var passwordFile = Path.Combine(root, "pw");
        await File.WriteAllTextAsync(passwordFile, PgCluster.SuperuserPassword + "\n");
        PostgresUser.Chown(root);
        var dataDir = Path.Combine(root, "data");
        await PostgresUser.RunAsync(installation.Tool("initdb"), installation.LibDir,
            ["-D", dataDir, "-U", "postgres", "-E", "UTF8", "--locale=C", "--auth=trust", $"--pwfile={passwordFile}", "--no-sync"],
            CancellationToken.None);
        return dataDir;
    }
}
