using Microsoft.Data.Sqlite;
using PgMove.Core.Migrations;
using PgMove.Core.State;

namespace PgMove.Tests.State;

/// <summary>The SQLite state file: the owner's alone, and opened by a newer pgmove after an older one wrote it.</summary>
public sealed class StateFileTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerDirectory = OwnerFile | UnixFileMode.UserExecute;
    private readonly string _directory = Directory.CreateTempSubdirectory("pgmove-statefile-").FullName;

    [Fact]
    public void Open_NewFolder_FolderAndFilesAreTheOwnersAlone()
    {
        var folder = Path.Combine(_directory, "new", "pgmove");
        var path = Path.Combine(folder, "state.db");
        using (MigrationStore.Open(path))
        {
            Assert.Equal(OwnerDirectory, File.GetUnixFileMode(folder));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(Path.Combine(folder, "secret.key")));
            // SQLite gives its journal the database file's mode.
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path + "-wal"));
        }
    }

    [Fact]
    public void Open_FileAndKeyReadableByOthers_AreTightened()
    {
        var path = Path.Combine(_directory, "state.db");
        using (MigrationStore.Open(path))
        {
        }
        var loose = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(path, loose);
        File.SetUnixFileMode(Path.Combine(_directory, "secret.key"), loose);

        using (MigrationStore.Open(path))
        {
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(Path.Combine(_directory, "secret.key")));
        }
    }

    [Fact]
    public void Open_FileOfAnEarlierVersion_GainsRunnerHost()
    {
        var path = Path.Combine(_directory, "old.db");
        using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var command = old.CreateCommand();
            // The table as pgmove wrote it before runner_host, with one migration in it.
            command.CommandText = """
                CREATE TABLE migrations (id TEXT PRIMARY KEY, method TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, ignore_dbs TEXT NOT NULL, secrets BLOB NOT NULL,
                    error TEXT, fix TEXT, request TEXT, runner_pid INTEGER, runner_heartbeat TEXT, result TEXT, databases TEXT NOT NULL DEFAULT '[]');
                INSERT INTO migrations (id, method, status, created_at, updated_at, source, target, ignore_dbs, secrets, runner_pid, runner_heartbeat)
                VALUES ('m1', 'relay', 'syncing', '2026-01-05T10:00:00.0000000+00:00', '2026-01-05T10:00:00.0000000+00:00', 's', 't', '[]', x'00', 1, '2026-01-05T10:00:00.0000000+00:00');
                """;
            command.ExecuteNonQuery();
        }

        using var store = MigrationStore.Open(path);
        var record = store.Get("m1")!;
        Assert.Null(record.RunnerHost);
        store.Update(record with { RunnerPid = Environment.ProcessId, RunnerHeartbeat = DateTimeOffset.UtcNow });
        Assert.Equal(Environment.MachineName, store.Get("m1")!.RunnerHost);
        Assert.Equal(MigrationStatus.Syncing, store.Get("m1")!.Status);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
