using System.Security.Cryptography;
using System.Text;
using PgMove.Core.Errors;
using PgMove.Core.Text;

namespace PgMove.Core.State;

/// <summary>
/// Encrypts the connection secrets kept in the state store (AES-256-GCM) with a key in a file beside it,
/// readable only by its owner: the store alone reveals no password.
/// </summary>
public sealed class SecretBox
{
    private readonly byte[] _key;

    private SecretBox(byte[] key) => _key = key;

    public static SecretBox ForStore(string storePath)
    {
        var keyPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storePath))!, "secret.key");
        if (!File.Exists(keyPath))
            CreateKey(keyPath);
        else
            OwnerOnly.Tighten(keyPath);
        return new SecretBox(File.ReadAllBytes(keyPath));
    }

    /// <summary>
    /// The key of a shared store, which every node reads from its own file (never from the database it protects):
    /// 32 random bytes, readable by its owner only, e.g. <c>head -c 32 /dev/urandom &gt; store.key; chmod 600 store.key</c>.
    /// </summary>
    /// <exception cref="UsageException">The file is missing, of the wrong size, or readable by other users.</exception>
    public static SecretBox FromKeyFile(string keyPath)
    {
        const string Fix = "Create it once with: head -c 32 /dev/urandom > FILE; chmod 600 FILE, and give every service node a copy of the same file.";
        if (!File.Exists(keyPath))
            throw new UsageException("store.key_missing", $"The store key file {keyPath} does not exist.", Fix);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keyPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new UsageException("store.key_exposed", $"The store key file {keyPath} can be read or written by other users.", $"Run chmod 600 {keyPath}.");
        var key = File.ReadAllBytes(keyPath);
        if (key.Length != 32)
            throw new UsageException("store.key_size", $"The store key file {keyPath} holds {Plural.Of(key.Length, "byte")}, not 32.", Fix);
        return new SecretBox(key);
    }

    /// <summary>
    /// Writes a fresh key beside the store. Several pgmove processes may open a new store at the same instant
    /// (start, and status from another terminal): a lock file lets one of them write the key, and the key appears
    /// whole (written aside, then renamed into place), so that nobody reads half a key or replaces another's.
    /// </summary>
    private static void CreateKey(string keyPath)
    {
        using var gate = Lock($"{keyPath}.lock");
        if (File.Exists(keyPath))
            return; // Another process made it while we waited.
        var temporary = $"{keyPath}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(RandomNumberGenerator.GetBytes(32));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, keyPath);
    }

    /// <summary>An exclusive lock (FileShare.None is an advisory lock on Linux), waited for up to 10 s.</summary>
    private static FileStream Lock(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (attempt < 1000)
            {
                Thread.Sleep(10);
            }
        }
    }

    public byte[] Seal(string plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var data = Encoding.UTF8.GetBytes(plaintext);
        var cipher = new byte[data.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, data, cipher, tag);
        return [.. nonce, .. tag, .. cipher];
    }

    public string Open(byte[] sealedData)
    {
        var nonce = sealedData.AsSpan(0, 12);
        var tag = sealedData.AsSpan(12, 16);
        var cipher = sealedData.AsSpan(28);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(nonce, cipher, tag, plain);
        return Encoding.UTF8.GetString(plain);
    }
}
