namespace PgMove.Server.Api;

/// <summary>
/// DigitalOcean's online_migration object: <c>{"id","status","created_at"}</c>. The optional fields are
/// PgMove's additions (left out when empty), which DigitalOcean's clients ignore.
/// </summary>
public sealed record OnlineMigration(string Id, string Status, string CreatedAt)
{
    public string? Error { get; init; }

    public string? Fix { get; init; }
}
