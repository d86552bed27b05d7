using Npgsql;

namespace PgMove.Core.Subscription;

/// <summary>
/// How PgMove creates, enables, disables and drops a subscription on the target: as a superuser with SQL
/// (<see cref="NativeSubscriptions"/>), or through the managed services' <c>aiven_extras</c> functions
/// (<see cref="AivenExtrasSubscriptions"/>). Each call runs in the target database that holds the subscription.
/// </summary>
internal interface ITargetSubscriptions
{
    /// <summary>Shown in the status and the docs: "CREATE SUBSCRIPTION" or "aiven_extras".</summary>
    string Kind { get; }

    /// <summary>
    /// Creates an enabled subscription that uses the existing <paramref name="slot"/> and copies every table first.
    /// <paramref name="conninfo"/> holds the source password: it travels as a parameter, never in SQL text or messages.
    /// </summary>
    Task CreateAsync(NpgsqlConnection target, string name, string conninfo, string publication, string slot, SubscriptionFeatures features, CancellationToken ct);

    Task<bool> ExistsAsync(NpgsqlConnection target, string name, CancellationToken ct);

    Task EnableAsync(NpgsqlConnection target, string name, CancellationToken ct);

    Task DisableAsync(NpgsqlConnection target, string name, CancellationToken ct);

    /// <summary>
    /// Adds the tables the publication gained since the subscription was made (or last refreshed) and copies their rows
    /// (<c>REFRESH PUBLICATION WITH (copy_data = true)</c>); until then the apply skips their changes.
    /// </summary>
    Task RefreshAsync(NpgsqlConnection target, string name, CancellationToken ct);

    /// <summary>
    /// Drops the subscription. <see cref="DropNeedsSource"/> says whether this also reaches the source (aiven_extras
    /// drops the slot there itself); otherwise the slot is detached first and PgMove drops it on the source.
    /// </summary>
    Task DropAsync(NpgsqlConnection target, string name, CancellationToken ct);

    bool DropNeedsSource { get; }
}
