using PgMove.Core.Errors;
using PgMove.Core.Switch;

namespace PgMove.Tests.Switch;

public sealed class PgBouncerIniTests
{
    private static readonly ServerEndpoint[] Source = [new("127.0.0.1", 5433)];
    private static readonly ServerEndpoint Target = new("10.0.0.7", 5499);
    private static readonly Dictionary<string, string> SameNames = new() { ["app"] = "app", ["shop"] = "shop" };

    [Fact]
    public void Rewrite_PlainEntries_ChangesHostPortDbnameOnlyAndKeepsEveryOtherByte()
    {
        var text = "; my pooler\r\n[databases]\r\n# the app\r\napp = host=127.0.0.1 port=5433 dbname=app pool_size=20\r\nother = host=127.0.0.1 port=6000 dbname=app\r\n\r\n[pgbouncer]\r\nlisten_port = 6432\r\n";
        var (result, rewritten) = PgBouncerIni.Rewrite(text, Source, Target, SameNames);
        Assert.Equal(["app"], rewritten);
        Assert.Equal(text.Replace("app = host=127.0.0.1 port=5433 dbname=app pool_size=20", "app = host=10.0.0.7 port=5499 dbname=app pool_size=20", StringComparison.Ordinal), result);
    }

    [Fact]
    public void Rewrite_QuotedValuesAndOtherKeyOrder_KeepsQuotingRulesOfPgBouncer()
    {
        var text = "[databases]\nshop =  dbname='shop'   user=o''neil  port = 5433 host='localhost' auth_user='a b'\n";
        var map = new Dictionary<string, string> { ["shop"] = "shop new" };
        var (result, rewritten) = PgBouncerIni.Rewrite(text, Source, Target, map);
        Assert.Equal(["shop"], rewritten);
        Assert.Equal("[databases]\nshop =  dbname='shop new'   user=o''neil  port = 5499 host=10.0.0.7 auth_user='a b'\n", result);
        var entry = Assert.Single(PgBouncerIni.Entries(result));
        Assert.Equal("shop new", entry.Database);
        Assert.Equal(Target, entry.Server);
    }

    [Fact]
    public void Rewrite_MissingKeys_AppendsThemAndUsesPgBouncerDefaults()
    {
        // No host: PgBouncer's socket on this machine; no port: 5432; no dbname: the entry's name.
        var source = new[] { new ServerEndpoint("localhost", 5432) };
        var text = "[databases]\napp = pool_mode=session   \n";
        var (result, rewritten) = PgBouncerIni.Rewrite(text, source, Target, SameNames);
        Assert.Equal(["app"], rewritten);
        Assert.Equal("[databases]\napp = pool_mode=session host=10.0.0.7 port=5499   \n", result);
    }

    [Fact]
    public void Rewrite_FallbackCommentsAndOtherSections_AreNeverTouched()
    {
        var text = "[databases]\n* = host=127.0.0.1 port=5433\n;app = host=127.0.0.1 port=5433 dbname=app\n[users]\napp = pool_mode=session\n[pgbouncer]\napp = host=127.0.0.1 port=5433\n";
        var (result, rewritten) = PgBouncerIni.Rewrite(text, Source, Target, SameNames);
        Assert.Empty(rewritten);
        Assert.Equal(text, result);
        Assert.True(Assert.Single(PgBouncerIni.Entries(text)).IsFallback);
    }

    [Fact]
    public void Matching_LocalhostAnd127AreTheSameServer_OtherPortsAndDatabasesAreNot()
    {
        var text = "[databases]\na = host=localhost port=5433 dbname=app\nb = host=127.0.0.1 port=5434 dbname=app\nc = host=127.0.0.1 port=5433 dbname=unrelated\nd = host=db.example.com port=5433 dbname=shop\n";
        Assert.Equal(["a"], PgBouncerIni.Matching(text, Source, SameNames.Keys).Select(e => e.Name));
        var aliases = new[] { Source[0], new ServerEndpoint("DB.example.com", 5433) };
        Assert.Equal(["a", "d"], PgBouncerIni.Matching(text, aliases, SameNames.Keys).Select(e => e.Name));
    }

    [Fact]
    public void Entries_UnterminatedQuote_IsAnErrorNamingTheEntry()
    {
        var error = Assert.Throws<PgMoveException>(() => PgBouncerIni.Entries("[databases]\napp = host='127.0.0.1 port=5433\n"));
        Assert.Equal("pgbouncer.ini_malformed", error.Code);
        Assert.Contains("\"app\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IniFile_WriteBackupRestore_AtomicKeepsModeAndRestoresBytes()
    {
        var dir = Directory.CreateTempSubdirectory("pgmove-ini-");
        try
        {
            var path = Path.Combine(dir.FullName, "pgbouncer.ini");
            File.WriteAllText(path, "[databases]\napp = host=127.0.0.1 port=5433\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            var ini = new PgBouncerIniFile(path);
            ini.Backup();
            ini.Write("changed\n");
            Assert.Equal("changed\n", File.ReadAllText(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            ini.RestoreBackup();
            Assert.Equal("[databases]\napp = host=127.0.0.1 port=5433\n", File.ReadAllText(path));
            Assert.Equal(["pgbouncer.ini", "pgbouncer.ini.pgmove-backup"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            File.SetUnixFileMode(path, UnixFileMode.UserRead);
            Assert.Equal("pgbouncer.ini_not_writable", Assert.Throws<PgMoveException>(() => ini.Write("x")).Code);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
