using Npgsql;

namespace PgMove.Core.Cutover;

/// <summary>
/// PgMove's own sessions on a source frozen by a cutover (<c>ALTER DATABASE … SET default_transaction_read_only</c>)
/// must still write: drop slots and publications, and undo the freeze itself. The setting is overridden for the
/// session from the startup packet, so even a freshly opened connection to a frozen database can write.
/// </summary>
internal static class WritableSession
{
    public static void Tune(NpgsqlConnectionStringBuilder builder) =>
        builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c default_transaction_read_only=off" : builder.Options + " -c default_transaction_read_only=off";
}
