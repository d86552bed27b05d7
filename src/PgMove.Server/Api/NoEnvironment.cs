using PgMove.Core.Connections;

namespace PgMove.Server.Api;

/// <summary>
/// A source given through the API is exactly what the body says: the service's own PG* variables and
/// password file must never fill in what a caller left out.
/// </summary>
internal sealed class NoEnvironment : IEnvironment
{
    public static NoEnvironment Instance { get; } = new();

    public string? Get(string name) => null;

    public string? HomeDirectory => null;
}
