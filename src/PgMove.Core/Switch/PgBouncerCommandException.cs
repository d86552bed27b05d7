using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>PgBouncer's admin console refused a command, or could not be reached; <see cref="Reason"/> is its own words.</summary>
public sealed class PgBouncerCommandException(string command, ConnectionSpec admin, string reason)
    : PgMoveException("pgbouncer.command_failed", $"PgBouncer's admin console at {admin} refused \"{command}\": {reason}",
        "Check that the admin conninfo reaches PgBouncer's database \"pgbouncer\" and that its user is listed in admin_users of pgbouncer.ini.")
{
    public string Command { get; } = command;

    public string Reason { get; } = reason;
}
