using PgMove.Core.Verify;

namespace PgMove.Tests.Verify;

/// <summary>verify names the first key whose row differs, whatever the key's type: text, composite, unique NOT NULL, integer.</summary>
public sealed class FirstDifferingKeyTests
{
    [SkippableFact]
    public async Task Run_OneRowDiffersInKeyedTables_NamesItsKey()
    {
        await using var scenario = await VerifyScenario.StartAsync();
        await scenario.CreateBothAsync("app", """
            CREATE TABLE codes (code text PRIMARY KEY, v int);
            INSERT INTO codes SELECT 'c-' || pg_catalog.lpad(i::text, 3, '0'), i FROM generate_series(1, 50) i;
            CREATE TABLE visits (region text, day date, n int, PRIMARY KEY (region, day));
            INSERT INTO visits SELECT r, DATE '2026-01-01' + d, d FROM unnest(ARRAY['eu', 'us']) r, generate_series(0, 9) d;
            CREATE TABLE people (email text NOT NULL UNIQUE, name text);
            INSERT INTO people VALUES ('a@x.org', 'Ann'), ('b@x.org', 'Bob'), ('o''brien@x.org', 'Pat');
            CREATE TABLE items (id int PRIMARY KEY, v int);
            INSERT INTO items SELECT i, i FROM generate_series(1, 100) i;
            CREATE TABLE loose (v int);
            INSERT INTO loose VALUES (1), (2);
            """);
        await scenario.Target.ExecuteAsync("""
            UPDATE codes SET v = -1 WHERE code = 'c-017';
            DELETE FROM visits WHERE region = 'us' AND day = DATE '2026-01-04';
            INSERT INTO people VALUES ('aa@x.org', 'Extra');
            UPDATE people SET name = 'Patrick' WHERE email = 'o''brien@x.org';
            UPDATE items SET v = 0 WHERE id = 55;
            UPDATE loose SET v = 3 WHERE v = 2;
            """, "app");

        var report = await scenario.RunAsync(o => o with { Databases = ["app"] });

        var codes = report.Find("app", "public", "codes")!;
        Assert.Equal(TableDifference.Content, codes.Difference);
        Assert.Equal("the first differing key is \"code\" = 'c-017' (the row differs)", codes.FirstDifferingKey);
        Assert.Contains("\"code\" = 'c-017'", codes.Detail, StringComparison.Ordinal);

        var visits = report.Find("app", "public", "visits")!;
        Assert.Equal("the first differing key is (\"region\", \"day\") = ('us', '2026-01-04') (missing on the target)", visits.FirstDifferingKey);

        // The unique NOT NULL key, in byte order: 'aa@' sorts before 'b@' and the quote is doubled for pasting.
        var people = report.Find("app", "public", "people")!;
        Assert.Equal("the first differing key is \"email\" = 'aa@x.org' (only on the target)", people.FirstDifferingKey);

        // A chunked integer key: the range, and the key within it.
        var items = report.Find("app", "public", "items")!;
        Assert.Equal([new KeyRangeDifference(51, 60, 10, 10)], items.Ranges);
        Assert.Equal("the first differing key is \"id\" = '55' (the row differs)", items.FirstDifferingKey);

        var loose = report.Find("app", "public", "loose")!;
        Assert.Equal(TableDifference.Content, loose.Difference);
        Assert.Null(loose.FirstDifferingKey);
    }
}
