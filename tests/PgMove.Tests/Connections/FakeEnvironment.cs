using PgMove.Core.Connections;

namespace PgMove.Tests.Connections;

/// <summary>
/// An environment the test fills in, so parsing never reads the real PG* variables or ~/.pgpass.
/// Like <see cref="ProcessEnvironment"/>, an empty variable counts as unset.
/// </summary>
internal sealed class FakeEnvironment : IEnvironment
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public string? this[string name]
    {
        get => Get(name);
        set
        {
            if (value is null)
                _variables.Remove(name);
            else
                _variables[name] = value;
        }
    }

    /// <summary>No home directory by default, so no ~/.pgpass is ever found by accident.</summary>
    public string? HomeDirectory { get; init; }

    public string? Get(string name) => _variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
