using PgMove.Tests.Infrastructure;

namespace PgMove.Tests.Migrations;

/// <summary>
/// One kind of change a relay migration must stream, in a database of its own so that several kinds ride on one
/// migration (one pair of clusters, one copy, one cutover) and stay independent: seeded before the migration
/// starts, changed while it streams, checked once caught up and again after cutover (each time after the data
/// oracle). A failing check names its case, so a failure still says which behaviour broke.
/// </summary>
internal sealed record StreamedChange(
    string Name,
    string Database,
    string Seed,
    Func<RelayScenario, Task> ChangeAsync,
    Func<RelayScenario, Task>? CaughtUpAsync = null,
    Func<RelayScenario, Task>? AfterCutoverAsync = null)
{
    /// <summary>The data oracle on the case's database, then the case's own checks for <paramref name="stage"/>.</summary>
    public async Task CompareThenAsync(RelayScenario scenario, Func<RelayScenario, Task>? stage)
    {
        await DataComparer.AssertSameAsync(scenario.Source, scenario.Target, Database);
        if (stage is not null)
            await stage(scenario);
    }

    public override string ToString() => $"{Name} (database {Database})";
}
