namespace PgMove.Core.Switch;

/// <summary>A switch that completed: the entries now lead to the target.</summary>
/// <param name="Databases">PgBouncer's database names that were paused and rewritten.</param>
/// <param name="PauseMilliseconds">From PAUSE sent to RESUME answered: the longest a client query waited.</param>
public sealed record PgBouncerSwitchResult(IReadOnlyList<string> Databases, long PauseMilliseconds, string IniPath, string BackupPath);
