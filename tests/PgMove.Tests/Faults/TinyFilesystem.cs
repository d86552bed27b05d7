using System.Diagnostics;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Faults;

/// <summary>
/// A tmpfs of a few megabytes, owned by the postgres OS user: a tablespace there runs out of room on demand.
/// Needs root (mount); <see cref="TryMountAsync"/> returns null where mounting is not allowed.
/// </summary>
internal sealed class TinyFilesystem : IAsyncDisposable
{
    private TinyFilesystem(string path) => Path = path;

    public string Path { get; }

    public static async Task<TinyFilesystem?> TryMountAsync(int megabytes)
    {
        var path = System.IO.Path.Combine(TestRun.BaseDirectory, $"tiny-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(path);
        if (await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}M,mode=0700", "tmpfs", path) != 0)
        {
            Directory.Delete(path);
            return null;
        }
        PostgresUser.Chown(path);
        return new TinyFilesystem(path);
    }

    /// <summary>Gives it more room, as an operator would after reading the error.</summary>
    public async Task ResizeAsync(int megabytes) =>
        Assert.Equal(0, await RunAsync("mount", "-o", $"remount,size={megabytes}M", Path));

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<int> RunAsync(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(psi)!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
