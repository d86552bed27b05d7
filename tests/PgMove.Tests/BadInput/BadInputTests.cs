using PgMove.Tests.Cli;
using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.BadInput;

/// <summary>
/// Every bad input of <see cref="BadInputCases"/>: the exit code, a message naming the problem and its fix,
/// and nothing created or changed on either server (catalogs compared before and after, slots and
/// publications included; the clusters' own leftover check runs when they are disposed).
/// </summary>
public sealed class BadInputTests(BadInputServers servers) : IClassFixture<BadInputServers>
{
    public static TheoryData<string> Names { get; } = new(BadInputCases.All.Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public async Task Start_BadInput_ClearMessageWithFixNonZeroExitAndNothingMade(string name)
    {
        PgInstallations.Require(15);
        PgInstallations.Require(17);
        var @case = BadInputCases.All.Single(c => c.Name == name);
        var setup = await @case.Arrange(servers);
        try
        {
            var watched = new[] { servers.Source, servers.Target }.Concat(setup.Own).ToList();
            var before = await SnapshotsAsync(watched);

            var run = CliRunner.RunAsync(setup.Args);
            var (code, output, error) = await run.WaitAsync(TimeSpan.FromMinutes(3));

            var text = TableText.Flatten(output + "\n" + error);
            Assert.True(code == @case.ExitCode, $"{name}: exit {code}, expected {@case.ExitCode}.\n{output}\n{error}");
            foreach (var expected in @case.Expected)
                Assert.True(text.Contains(expected, StringComparison.Ordinal), $"{name}: '{expected}' not in:\n{output}\n{error}");
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // a message, not a stack trace
            Assert.Equal(before, await SnapshotsAsync(watched));
        }
        finally
        {
            foreach (var cluster in setup.Own)
                await cluster.DisposeAsync();
        }
    }

    [Fact]
    public void Cases_AtLeastTwentyFive_AllNamedOnce()
    {
        Assert.True(BadInputCases.All.Count >= 25, $"{BadInputCases.All.Count} cases");
        Assert.Equal(BadInputCases.All.Count, BadInputCases.All.Select(c => c.Name).Distinct().Count());
    }

    private static async Task<List<string>> SnapshotsAsync(IEnumerable<PgCluster> clusters)
    {
        var snapshots = new List<string>();
        foreach (var cluster in clusters)
        {
            try
            {
                snapshots.Add(await CatalogSnapshot.TakeAsync(cluster));
            }
            catch (Npgsql.NpgsqlException)
            {
                snapshots.Add($"{cluster}: not readable by the harness"); // a pg_hba that refuses the harness too
            }
        }
        return snapshots;
    }
}
