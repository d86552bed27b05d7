using PgMove.Core.Migrations;

namespace PgMove.Core.Switch;

/// <summary>Which server the applications use, as far as PgMove's switch knows (status, the API, the panel).</summary>
public static class ApplicationsState
{
    /// <summary>"source", "switching" or "target"; null when no switch was asked (PgMove does not know where they are).</summary>
    public static string? Of(MigrationRecord record) => Step(record) switch
    {
        null => null,
        SwitchStep.Done => "target",
        SwitchStep.RollingBack => "source",
        _ => "switching",
    };

    /// <summary>One sentence for status, or null when no switch is under way or done.</summary>
    public static string? Describe(MigrationRecord record) => Step(record) switch
    {
        null => null,
        SwitchStep.Done => "The applications use the target: PgMove switched them at the cutover.",
        SwitchStep.RollingBack => "The switch is rolling back: the applications go on with the source.",
        SwitchStep.Resuming => "Switching: the applications are being resumed on the target.",
        _ => "Switching: the applications' queries are held (they still lead to the source) while the target takes the last changes.",
    };

    private static SwitchStep? Step(MigrationRecord record) =>
        record.SwitchStep is { } step && Enum.TryParse<SwitchStep>(step, out var parsed) ? parsed : null;
}
