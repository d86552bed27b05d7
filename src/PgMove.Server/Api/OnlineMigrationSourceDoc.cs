namespace PgMove.Server.Api;

/// <summary>The source server of a PUT online-migration body.</summary>
internal sealed class OnlineMigrationSourceDoc
{
    public required string Host { get; init; }

    /// <summary>The database to connect to first. The default value is postgres.</summary>
    public string? Dbname { get; init; }

    /// <summary>The default value is 5432.</summary>
    public int? Port { get; init; }

    public required string Username { get; init; }

    public string? Password { get; init; }
}
