using System.Diagnostics;
using System.Globalization;
using PgMove.Core.Migrations;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// DDL on the source carried by the relay's DDL capture: an application's schema migration runs on the source
/// under a write load, the migration never leaves syncing, and after the cutover data and schema (read from both
/// catalogs) are the same. What cannot be carried stops the database with the statement; the capture never
/// makes a user's DDL fail, and nothing of it is left on the source after stop, cutover or a failed start.
/// </summary>
public sealed class RelayDdlCaptureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>An application-style schema migration, step by step (each its own call: one transaction each).</summary>
    private static readonly string[] ApplicationMigration =
    [
        // A column with a default, filled in the same transaction.
        "ALTER TABLE customers ADD COLUMN status text NOT NULL DEFAULT 'new'; UPDATE customers SET status = 'old' WHERE id <= 100",
        // A new table with a foreign key and an index, written to at once.
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), total numeric(10,2)); " +
        "CREATE INDEX orders_customer ON orders (customer_id); INSERT INTO orders (customer_id, total) SELECT id, id * 1.5 FROM customers WHERE id <= 50",
        "ALTER TABLE customers RENAME COLUMN name TO full_name",
        "UPDATE customers SET full_name = full_name || '!' WHERE id <= 10",
        "ALTER TABLE customers DROP COLUMN legacy",
        "INSERT INTO customers (id, full_name, amount) VALUES (1001, 'after drop', 7)",
        "ALTER TABLE customers ALTER COLUMN amount TYPE bigint",
        "UPDATE customers SET amount = amount * 10000000000 WHERE id <= 5",
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); ALTER TABLE customers ADD COLUMN mood mood DEFAULT 'ok'",
        "ALTER TYPE mood ADD VALUE 'happy'",
        "UPDATE customers SET mood = 'happy' WHERE id <= 20",
        "CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 10",
        "CREATE INDEX CONCURRENTLY customers_status ON customers (status)",
        "DROP TABLE doomed",
        "CREATE TABLE order_summary AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id",
        "INSERT INTO order_summary VALUES (999, 1)",
        "SELECT id, full_name INTO customer_names FROM customers WHERE id <= 30",
        "CREATE TEMP TABLE scratch AS SELECT 1 AS x; DROP TABLE scratch",
    ];

    private const string Schema =
        "CREATE TABLE customers (id int PRIMARY KEY, name text, legacy text, amount int); " +
        "INSERT INTO customers SELECT g, 'c' || g, 'l' || g, g FROM generate_series(1, 200) g; " +
        "CREATE TABLE doomed (id int PRIMARY KEY); INSERT INTO doomed SELECT generate_series(1, 10); " +
        "CREATE TABLE ticks (id bigserial PRIMARY KEY, note text)";

    [SkippableTheory]
    [InlineData(15, 17)]
    [InlineData(14, 18)]
    public async Task Stream_ApplicationMigrationUnderLoad_CarriesEveryDdl_SameDataAndSchema(int sourceMajor, int targetMajor)
    {
        await using var scenario = await RelayScenario.StartAsync(new ClusterOptions { Major = sourceMajor }, new ClusterOptions { Major = targetMajor });
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync(Schema, "shop");
        await using var run = await RelayRun.StartSyncingAsync(scenario);
        using var watching = new CancellationTokenSource();
        var phases = scenario.WatchPhasesAsync("shop", watching.Token);
        await using var trickle = new Trickle(scenario.Source, "shop");
        trickle.Start();
        await trickle.WaitForAsync(20);

        foreach (var step in ApplicationMigration)
            await scenario.Source.ExecuteAsync(step, "shop");
        await trickle.WaitForAsync(trickle.Count + 20);
        await trickle.StopAsync();

        var caughtUp = await run.WaitCaughtUpAsync(Timeout);
        await watching.CancelAsync();
        Assert.Equal(["Streaming"], await phases); // never stopped
        Assert.True(caughtUp.Status == MigrationStatus.Syncing, RelayScenario.Describe(caughtUp));
        var shop = caughtUp.Databases.Single(d => d.Name == "shop");
        // Every DDL statement of the migration but the temporary table's two.
        Assert.Equal(14, shop.DdlApplied);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        Assert.Equal(await scenario.Source.ScalarAsync<long>("SELECT count(*) FROM order_summary", "shop"),
            await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM order_summary", "shop"));
        Assert.Equal(30, await scenario.Target.ScalarAsync<long>("SELECT count(*) FROM customer_names", "shop"));

        await run.CutoverAsync(Timeout);
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SchemaShape.AssertSameAsync(scenario.Source, scenario.Target, "shop");
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }
}
