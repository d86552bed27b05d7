namespace PgMove.Tests.Connections;

/// <summary>A fresh directory for one test's password files, deleted when the test ends.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("pgmove-conn-").FullName;

    public string Path { get; }

    /// <summary>Writes <paramref name="lines"/> (joined with \n) to a file in this directory and returns its path.</summary>
    public string Write(string name, params string[] lines)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, string.Join('\n', lines) + "\n");
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
