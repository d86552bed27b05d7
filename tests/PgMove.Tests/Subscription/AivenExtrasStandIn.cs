using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Subscription;

/// <summary>
/// Installs PgMove's TEST STAND-IN for the aiven_extras extension (Subscription/StandIn: a control file and a SQL
/// script using dblink; NOT the real extension) into the extension directory of a cluster's PostgreSQL installation.
/// Installing only makes it available (as on a managed service); a database owner still runs CREATE EXTENSION.
/// </summary>
internal static class AivenExtrasStandIn
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static async Task InstallAsync(PgCluster cluster)
    {
        var directory = cluster.Installation.LibDir is null
            ? $"/usr/share/postgresql/{cluster.Major}/extension"                                   // Debian's packages (pg_config --sharedir)
            : Path.GetFullPath(Path.Combine(cluster.Installation.BinDir, "..", "share", "postgresql", "extension")); // embedded majors
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Subscription", "StandIn"));
        await Installing.WaitAsync();
        try
        {
            foreach (var file in files)
            {
                var destination = Path.Combine(directory, Path.GetFileName(file));
                if (!File.Exists(destination) || await File.ReadAllTextAsync(destination) != await File.ReadAllTextAsync(file))
                    File.Copy(file, destination, overwrite: true);
            }
        }
        finally
        {
            Installing.Release();
        }
    }
}
