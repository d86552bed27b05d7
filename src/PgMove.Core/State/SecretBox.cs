using System.Security.Cryptography;
using System.Text;

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
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            using (var stream = new FileStream(keyPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                stream.Write(fresh);
            }
        }
        return new SecretBox(File.ReadAllBytes(keyPath));
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
