namespace PgMove.Core.Schema;

/// <summary>A directory holding pg_dump, pg_dumpall and pg_restore of one PostgreSQL major.</summary>
public sealed record PgToolset(string BinDirectory, int Major, string Version)
{
    public string PgDump => Path.Combine(BinDirectory, "pg_dump");
    public string PgDumpAll => Path.Combine(BinDirectory, "pg_dumpall");
    public string PgRestore => Path.Combine(BinDirectory, "pg_restore");
}
