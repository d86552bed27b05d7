using System.Text;

namespace PgMove.Tests.Migrations;

/// <summary>
/// Checks for several cases that share one scenario (one pair of clusters, one migration): every case is checked
/// even when an earlier one fails, and the failure names each broken case (by its ToString) and the stage.
/// </summary>
internal static class EachCase
{
    public static async Task CheckAsync<T>(IEnumerable<T> cases, string stage, Func<T, Task> check)
        where T : notnull
    {
        var failures = new StringBuilder();
        foreach (var item in cases)
        {
            try
            {
                await check(item);
            }
            catch (Exception error)
            {
                failures.Append($"\n--- case {item}, {stage}: {error.GetType().Name}: {error.Message}");
            }
        }
        if (failures.Length > 0)
            throw new Xunit.Sdk.XunitException($"Cases broken {stage}:{failures}");
    }
}
