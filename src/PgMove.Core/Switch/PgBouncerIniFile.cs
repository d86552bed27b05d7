using System.Diagnostics;
using System.Text;
using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>
/// pgbouncer.ini on disk: written whole or not at all (a temporary file beside it, then rename, with the original's
/// mode and owner, so PgBouncer never reads half a file and can still read it), and its backup
/// <c>&lt;ini&gt;.pgmove-backup</c> taken before a switch, from which a rollback or a recovery restores it.
/// </summary>
public sealed class PgBouncerIniFile(string path)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string BackupPath => Path + ".pgmove-backup";

    public string Read()
    {
        try
        {
            return File.ReadAllText(Path, Utf8);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new PgMoveException("pgbouncer.ini_unreadable", $"PgBouncer's ini file {Path} cannot be read: {error.Message}",
                "Run pgmove as a user that can read and write PgBouncer's ini file (and its directory), or pass --pgbouncer-ini.");
        }
    }

    /// <summary>
    /// Fails unless the file can be replaced: it is a regular file, its mode lets its owner write (a file made
    /// read-only on purpose stays so, even for root, who could write anyway) and the directory takes a new file.
    /// </summary>
    public void CheckWritable()
    {
        try
        {
            if (!File.Exists(Path))
                throw NotWritable("it does not exist");
            if ((File.GetUnixFileMode(Path) & UnixFileMode.UserWrite) == 0)
                throw NotWritable("it is read-only (no write permission in its mode)");
            using (File.Open(Path, FileMode.Open, FileAccess.ReadWrite))
            {
            }
            var probe = TempPath();
            using (File.Create(probe))
            {
            }
            File.Delete(probe);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(error.Message);
        }
    }

    /// <summary>Copies the current file to the backup (atomically too): the state a rollback returns to.</summary>
    public void Backup() => WriteAtomically(BackupPath, Read(), Path);

    public bool HasBackup => File.Exists(BackupPath);

    /// <summary>Puts the backup's text back, unless the file holds it already (then nothing is written).</summary>
    public void RestoreBackup()
    {
        var saved = File.ReadAllText(BackupPath, Utf8);
        if (File.Exists(Path) && Read() == saved)
            return;
        Write(saved);
    }

    /// <summary>Replaces the file's text atomically, keeping its mode and owner.</summary>
    public void Write(string text)
    {
        CheckWritable();
        WriteAtomically(Path, text, Path);
    }

    private void WriteAtomically(string destination, string text, string modelOf)
    {
        var temp = TempPath();
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var bytes = Utf8.GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, File.GetUnixFileMode(modelOf));
            if (Environment.IsPrivilegedProcess)
                CopyOwner(modelOf, temp);
            File.Move(temp, destination, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw NotWritable(error.Message);
        }
    }

    /// <summary>
    /// Root's new file would belong to root, and a PgBouncer running as its own user could no longer read it
    /// (.NET has no chown): coreutils' chown --reference copies the owner and group of the original.
    /// </summary>
    private static void CopyOwner(string model, string file)
    {
        using var process = Process.Start(new ProcessStartInfo("chown", ["--reference", model, file]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new IOException("chown could not be started");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new IOException($"chown --reference failed: {error.Trim()}");
    }

    private string TempPath() => $"{Path}.pgmove-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";

    private PgMoveException NotWritable(string cause) =>
        new("pgbouncer.ini_not_writable", $"PgBouncer's ini file {Path} cannot be rewritten: {cause}.",
            "Run pgmove as a user that can write PgBouncer's ini file and create files in its directory (or make the file writable), then run the cutover again.");

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
        }
    }
}
