using PgMove.Core.Cutover;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Cutover;

/// <summary>The cutover's sequence copy, in one batch: values and is_called as on the source, missing sequences created.</summary>
public sealed class SequenceSyncTests
{
    [SkippableFact]
    public async Task CopyAsync_UsedUnusedResetAndMissingSequences_TargetReadsExactlyAsTheSource()
    {
        var (source, target) = await PgCluster.StartPairAsync(15, 17);
        await using (source)
        await using (target)
        {
            const string Shared = "CREATE SCHEMA \"Odd Schema\"; CREATE SEQUENCE used; CREATE SEQUENCE never_used START 40; CREATE SEQUENCE reset_false; "
                + "CREATE SEQUENCE \"Odd Schema\".\"Mixed Case\" INCREMENT 5";
            await source.ExecuteAsync(Shared);
            await target.ExecuteAsync(Shared);
            await source.ExecuteAsync("SELECT nextval('used') FROM generate_series(1, 17); SELECT setval('reset_false', 5, false); "
                + "SELECT nextval('\"Odd Schema\".\"Mixed Case\"'); CREATE SEQUENCE only_on_source AS integer START 100 MAXVALUE 1000 CYCLE; SELECT nextval('only_on_source')");

            await using (var sourceConnection = await source.OpenAsync())
            await using (var targetConnection = await target.OpenAsync())
                await SequenceSync.CopyAsync(sourceConnection, targetConnection, "postgres", CancellationToken.None);

            var expected = await ReadAsync(source);
            Assert.Equal(expected, await ReadAsync(target));
            Assert.Contains("reset_false=5/f", expected, StringComparison.Ordinal);
            Assert.Contains("used=17/t", expected, StringComparison.Ordinal);
            Assert.Equal("integer 1000 t", await target.ScalarAsync<string>("SELECT format('%s %s %s', data_type, max_value, cycle) FROM pg_sequences WHERE sequencename = 'only_on_source'"));
            Assert.Equal(101L, await target.ScalarAsync<long>("SELECT nextval('only_on_source')"));
        }
    }

    /// <summary>Every sequence as name=last_value/is_called, read from the relations themselves.</summary>
    private static async Task<string> ReadAsync(PgCluster cluster)
    {
        var names = await cluster.ColumnAsync("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'S' ORDER BY 1");
        var values = new List<string>();
        foreach (var name in names)
            values.Add(await cluster.ScalarAsync<string>($"SELECT format('%s=%s/%s', '{name.Replace("'", "''")}', last_value, is_called) FROM {name}"));
        return string.Join(" ", values);
    }
}
