using Npgsql;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Harness;

public sealed class PgClusterTests
{
    [SkippableFact]
    public async Task StartAsync_Default_RunsLogicalWalOnLoopback()
    {
        await using var cluster = await PgCluster.StartAsync();
        Assert.Equal("logical", await cluster.ScalarAsync<string>("SHOW wal_level"));
        Assert.Equal(15, await cluster.ScalarAsync<int>("SELECT current_setting('server_version_num')::int / 10000"));
    }

    [SkippableFact]
    public async Task StartAsync_PasswordAuthWithSsl_RejectsWrongPasswordAndUsesTls()
    {
        await using var cluster = await PgCluster.StartAsync(new ClusterOptions { PasswordAuth = true, Ssl = true, RequireSsl = true });
        Assert.True(await cluster.ScalarAsync<bool>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));

        var wrong = cluster.Spec(password: "wrong").ToNpgsqlConnectionString(pooling: false);
        await using var connection = new NpgsqlConnection(wrong);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
    }

    [SkippableFact]
    public async Task DisposeAsync_StopsServerAndDeletesDataDirectory()
    {
        var cluster = await PgCluster.StartAsync();
        var root = cluster.Root;
        await cluster.DisposeAsync();
        Assert.False(Directory.Exists(root));
    }
}
