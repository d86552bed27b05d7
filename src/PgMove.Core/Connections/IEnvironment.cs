namespace PgMove.Core.Connections;

/// <summary>Reads environment variables and the home directory; tests pass their own.</summary>
public interface IEnvironment
{
    string? Get(string name);

    string? HomeDirectory { get; }
}
