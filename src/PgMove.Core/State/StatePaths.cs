namespace PgMove.Core.State;

/// <summary>Where PgMove keeps its state file unless --state names one: $XDG_DATA_HOME/pgmove or ~/.local/share/pgmove.</summary>
public static class StatePaths
{
    public static string Default()
    {
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(dataHome))
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(dataHome, "pgmove", "state.db");
    }
}
