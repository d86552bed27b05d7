using PgMove.Cli.Output;
using PgMove.Core.Catalog;
using PgMove.Core.Migrations;
using PgMove.Core.Preflight;
using PgMove.Core.Verify;

namespace PgMove.Tests.Cli;

/// <summary>The preflight and verify tables at 80 columns: one block per row, no word or LSN broken across lines.</summary>
public sealed class NarrowTablesTests
{
    private static readonly PreflightReport Preflight = new(MigrationMethod.Relay, "postgres://postgres@old:5432/postgres", "postgres://postgres@new:5432/postgres",
    [
        CheckResult.Pass("source.wal_level", "wal_level is 'logical' on the source."),
        CheckResult.Fail("source.max_replication_slots", "max_replication_slots is 2 on the source; the migration needs 5 (one slot per database and 1 spare).",
            "Run ALTER SYSTEM SET max_replication_slots = 5; on the source, then restart it."),
        CheckResult.Warn("target.existing_databases", "The target already holds app (12 tables) and reporting_warehouse_2024 (1 table).", "Pass --reuse-target-databases to reuse them."),
    ]);

    private static readonly VerifyReport Verify = new("postgres://postgres@old:5432/postgres", "postgres://postgres@new:5432/postgres", ["shop"],
    [
        new TableComparison("shop", new QualifiedName("public", "customer_addresses_history"), 1_234_567, 1_234_566, TableDifference.RowCount,
            "1,234,567 rows on the source, 1,234,566 on the target; the first differing key range is id 1000 to 1999 (0/16B3748).", "id", []),
        new TableComparison("shop", new QualifiedName("public", "items"), 10, 10, TableDifference.None, null, null, []),
    ]);

    private static string[] Lines(Action<Spectre.Console.IAnsiConsole> write, int width)
    {
        using var writer = new StringWriter();
        write(Consoles.For(writer, width));
        return writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    private static void AssertWhole(string[] lines, int width, IEnumerable<string> texts)
    {
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} columns: {line}"));
        var words = texts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct();
        foreach (var word in words)
            Assert.True(lines.Any(l => l.Contains(word, StringComparison.Ordinal)), $"'{word}' is broken:\n{string.Join('\n', lines)}");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public void Preflight_AnyWidth_NoWordBroken(int width)
    {
        var lines = Lines(console => PreflightTable.Write(Preflight, console), width);
        AssertWhole(lines, width, Preflight.Results.SelectMany(r => new[] { r.Id, r.Message, r.Fix ?? "" }));
        Assert.Contains(lines, l => l.Contains("1 passed, 1 warning, 1 failed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public void Verify_AnyWidth_NoWordBroken(int width)
    {
        var lines = Lines(console => VerifyTable.Write(Verify, TimeSpan.FromSeconds(2), console), width);
        var differing = Verify.Tables[0];
        AssertWhole(lines, width, [differing.Detail!, differing.Table.ToString(), "1,234,567", "1,234,566"]);
        var text = string.Join(' ', lines.Select(l => l.Trim()));
        Assert.Contains("2 tables compared in 1 database (", text, StringComparison.Ordinal);
        Assert.Contains("1 differs.", text, StringComparison.Ordinal);
    }
}
