using PgMove.Core.Connections;

namespace PgMove.Core.Switch;

/// <summary>What a PgBouncer switch moves and how long it may hold the applications.</summary>
public sealed record PgBouncerSwitchOptions
{
    /// <summary>PgBouncer's admin console; its database is forced to <c>pgbouncer</c>.</summary>
    public required ConnectionSpec Admin { get; init; }

    /// <summary>pgbouncer.ini. The default value is null: the <c>conffile</c> that SHOW CONFIG reports.</summary>
    public string? IniPath { get; init; }

    /// <summary>How long PAUSE may wait for running transactions. The default value is 5 seconds.</summary>
    public TimeSpan PauseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The addresses under which PgBouncer's entries may name the source (its host and port as PgMove reaches it, and any alias).</summary>
    public required IReadOnlyList<ServerEndpoint> Sources { get; init; }

    /// <summary>Where the rewritten entries lead: the target as PgBouncer must reach it.</summary>
    public required ServerEndpoint Target { get; init; }

    /// <summary>Each migrated source database → its name on the target (usually the same).</summary>
    public required IReadOnlyDictionary<string, string> Databases { get; init; }
}
