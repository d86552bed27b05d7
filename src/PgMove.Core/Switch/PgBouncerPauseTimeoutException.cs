using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>
/// PAUSE did not complete in time because clients kept server connections busy (a long transaction, or session
/// pooling); the databases were resumed again, so nothing changed.
/// </summary>
public sealed class PgBouncerPauseTimeoutException(IReadOnlyList<string> databases, TimeSpan timeout, IReadOnlyList<PgBouncerSession> blocking)
    : PgMoveException("switch.pause_timeout",
        $"PgBouncer could not pause {string.Join(", ", databases)} within {timeout.TotalSeconds:0.#} s: "
        + (blocking.Count == 0 ? "a client kept a server connection busy (it was released before it could be named)." : $"held by {string.Join("; ", blocking)}.")
        + " The databases were resumed; nothing was changed.",
        "End or commit the long transactions named above (pg_stat_activity shows them by server pid), or raise --pause-timeout; with session pooling, "
        + "clients must disconnect for the pause to complete. Then run the cutover again.")
{
    public IReadOnlyList<PgBouncerSession> Blocking { get; } = blocking;
}
