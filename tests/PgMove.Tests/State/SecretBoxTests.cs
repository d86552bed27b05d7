using PgMove.Core.State;
using PgMove.Tests.Connections;

namespace PgMove.Tests.State;

public sealed class SecretBoxTests
{
    [Fact]
    public async Task ForStore_ManyOpenersOfANewStoreAtOnce_AllGetTheSameKeyAndNoneFails()
    {
        // A race: try it many times.
        for (var round = 0; round < 40; round++)
            await OpenAtOnceAsync();
    }

    private static async Task OpenAtOnceAsync()
    {
        using var directory = new TempDirectory();
        var store = Path.Combine(directory.Path, "state.db");

        // pgmove start and pgmove status from another terminal, opening a new store at the same instant.
        using var start = new ManualResetEventSlim();
        var openers = Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return SecretBox.ForStore(store);
        })).ToList();
        start.Set();
        var boxes = await Task.WhenAll(openers);

        var sealedByFirst = boxes[0].Seal("s3cret");
        Assert.All(boxes, box => Assert.Equal("s3cret", box.Open(sealedByFirst)));
        Assert.Equal(["secret.key", "secret.key.lock"], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.Path, "secret.key")));
    }
}
