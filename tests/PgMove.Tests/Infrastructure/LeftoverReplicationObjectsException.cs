namespace PgMove.Tests.Infrastructure;

/// <summary>Thrown when a disposed cluster still holds a replication slot or publication made by PgMove.</summary>
public sealed class LeftoverReplicationObjectsException(string message) : Exception(message);
