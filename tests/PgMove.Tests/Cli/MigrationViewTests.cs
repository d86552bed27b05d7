using System.Text.Json;
using PgMove.Cli.Output;
using PgMove.Core.Migrations;

namespace PgMove.Tests.Cli;

public sealed class MigrationViewTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    internal static MigrationRecord Record(MigrationStatus status) => new()
    {
        Id = "m20260105abcdef",
        Method = MigrationMethod.Relay,
        Status = status,
        CreatedAt = Created,
        UpdatedAt = Created,
        Source = "postgres://postgres@db-old.example.com:5432/postgres",
        Target = "postgres://postgres@db-new.example.com:5432/postgres",
        IgnoreDatabases = [],
        Databases =
        [
            new DatabaseRecord { Name = "accounting_reports", Phase = DatabasePhase.Streaming, CopyDone = true, AppliedLsn = "1A/2B3C4D5E", LagBytes = 123_456, LagSeconds = 1.5, ChangesPerSecond = 1234, RetainedWalBytes = 987_654_321 },
            new DatabaseRecord { Name = "shop", Phase = DatabasePhase.Copying, TablesDone = 12, TablesTotal = 40, BytesDone = 1_234_567_890, BytesTotal = 5_678_901_234, AppliedLsn = "0/16B3748" },
            new DatabaseRecord { Name = "inventory", Phase = DatabasePhase.Reconnecting, CopyDone = true, AppliedLsn = "FF/FFFFFFF0", LagBytes = 1, LagSeconds = 0, RetainedWalBytes = 1 },
        ],
    };

    private static string[] RenderLines(MigrationRecord record, int width)
    {
        using var writer = new StringWriter();
        Consoles.For(writer, width).Write(MigrationView.Render(record));
        return writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    [Theory]
    [InlineData(80)]
    [InlineData(200)]
    public void Render_AnyWidth_NeverBreaksAPhaseOrAnLsn(int width)
    {
        var record = Record(MigrationStatus.Running);
        var lines = RenderLines(record, width);
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} columns: {line}"));
        var tokens = record.Databases.SelectMany(d => new[] { d.Name, d.Phase.ToString().ToLowerInvariant(), d.AppliedLsn! })
            .Concat(["12/40 tables", "1,177/5,416 MB", "941.9 MB"]);
        foreach (var token in tokens)
            Assert.True(lines.Any(l => l.Contains(token, StringComparison.Ordinal)), $"'{token}' is not whole on any line:\n{string.Join('\n', lines)}");
    }

    [Fact]
    public void Render_Wide_IsOneTable()
    {
        var lines = RenderLines(Record(MigrationStatus.Running), 200);
        Assert.Contains(lines, l => l.Contains("Applied LSN", StringComparison.Ordinal) && l.Contains("WAL retained", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MigrationStatus.Done)]
    [InlineData(MigrationStatus.Canceled)]
    public void Render_SlotsDropped_ShowsNoLagOrRetainedWal(MigrationStatus status)
    {
        var record = Record(status);
        foreach (var width in new[] { 80, 200 })
        {
            var text = string.Join('\n', RenderLines(record, width));
            Assert.DoesNotContain("941.9 MB", text, StringComparison.Ordinal);
            Assert.DoesNotContain("kB", text, StringComparison.Ordinal);
            Assert.Contains("1A/2B3C4D5E", text, StringComparison.Ordinal);
        }
        using var json = new StringWriter();
        MigrationView.WriteJson(record, json);
        using var document = JsonDocument.Parse(json.ToString());
        Assert.All(document.RootElement.GetProperty("databases").EnumerateArray(), db =>
        {
            Assert.Equal(JsonValueKind.Null, db.GetProperty("retained_wal_bytes").ValueKind);
            Assert.Equal(JsonValueKind.Null, db.GetProperty("lag_bytes").ValueKind);
        });
    }

    [Fact]
    public void Render_OneTable_SaysTableNotTables()
    {
        var record = Record(MigrationStatus.Running) with
        {
            Databases = [new DatabaseRecord { Name = "tiny", Phase = DatabasePhase.Copying, TablesDone = 0, TablesTotal = 1, BytesTotal = 1 }],
        };
        var text = string.Join('\n', RenderLines(record, 200));
        Assert.Contains("0/1 table,", text, StringComparison.Ordinal);
    }
}
