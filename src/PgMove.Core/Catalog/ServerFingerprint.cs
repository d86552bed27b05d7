namespace PgMove.Core.Catalog;

/// <summary>
/// What tells one PostgreSQL server from another whatever host name, address or database reached it.
/// <see cref="SystemIdentifier"/> and <see cref="DataDirectory"/> are null when the role may not read them.
/// </summary>
public sealed record ServerFingerprint(string? SystemIdentifier, string? DataDirectory, string StartedAt, string Databases)
{
    /// <summary>
    /// True when both fingerprints come from the same running server. A physical standby or a restored copy shares
    /// the system identifier, and another host may use the same data directory path, but neither shares the
    /// postmaster's start time (to the microsecond), so neither counts as the same server.
    /// </summary>
    public bool IsSameServerAs(ServerFingerprint other)
    {
        if (SystemIdentifier is not null && other.SystemIdentifier is not null && SystemIdentifier != other.SystemIdentifier)
            return false;
        if (StartedAt != other.StartedAt)
            return false;
        if (DataDirectory is not null && other.DataDirectory is not null)
            return DataDirectory == other.DataDirectory;
        // The data directory hidden on one side: the same databases under the same oids as well.
        return Databases == other.Databases;
    }
}
