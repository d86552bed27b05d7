namespace PgMove.Core.State;

/// <summary>
/// Files and folders of PgMove's state that only their owner may read: a folder PgMove creates is 0700, a state file
/// 0600; a file an earlier pgmove (or the umask) left readable by others is tightened when opened. SQLite gives its
/// -wal and -shm files the mode of the database file.
/// </summary>
internal static class OwnerOnly
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the folder (and missing parents) as 0700; an existing folder is left as it is (it may be shared on purpose).</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else if (!Directory.Exists(path))
            Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>Creates an empty file as 0600 unless it exists; an existing one loses any access by group and others.</summary>
    public static void CreateOrTightenFile(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        try
        {
            // CreateNew: never truncates a file another process made meanwhile.
            using var created = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
            return;
        }
        catch (IOException) when (File.Exists(path))
        {
        }
        Tighten(path);
    }

    /// <summary>Removes group and other access from an existing file we own (another user's file is left for its owner).</summary>
    public static void Tighten(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
            return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & Others) == 0)
            return;
        try
        {
            File.SetUnixFileMode(path, mode & ~Others);
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours (e.g. a state file shared read-only by its owner): opening it still works; its owner decides.
        }
    }
}
