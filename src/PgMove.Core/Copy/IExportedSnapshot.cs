namespace PgMove.Core.Copy;

/// <summary>
/// A snapshot of one source database that copy workers join with <c>SET TRANSACTION SNAPSHOT</c>. It stays
/// valid while this object lives: the dump method holds a REPEATABLE READ transaction, the relay method
/// the replication connection that created its slot.
/// </summary>
public interface IExportedSnapshot : IAsyncDisposable
{
    string Id { get; }
}
