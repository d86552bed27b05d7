using PgMove.Core.Connections;

namespace PgMove.Core.Switch;

/// <summary>
/// How a cutover moves the applications, as asked with the cutover and kept sealed in the store (the admin conninfo
/// may hold a password) so that the runner — perhaps another process — and a resumed cutover use the same switch.
/// Exactly one of <see cref="PgBouncerAdmin"/> and <see cref="Command"/> is set.
/// </summary>
public sealed record SwitchSettings
{
    /// <summary>PgBouncer's admin console (database <c>pgbouncer</c>): the switch pauses, rewrites, reloads and resumes it.</summary>
    public ConnectionSpec? PgBouncerAdmin { get; init; }

    /// <summary>pgbouncer.ini. The default value is null: the <c>conffile</c> that PgBouncer's SHOW CONFIG reports.</summary>
    public string? PgBouncerIni { get; init; }

    /// <summary>
    /// The target as PgBouncer reaches it ("host:port"), where that differs from PgMove's own address of it (a private
    /// network, a DNS name). The default value is null: the host and port of the migration's target.
    /// </summary>
    public string? PgBouncerTarget { get; init; }

    /// <summary>
    /// Other addresses ("host:port") under which PgBouncer's entries reach the source, besides the host and port of the
    /// migration's source: entries naming one of them are switched too. The default value is none.
    /// </summary>
    public IReadOnlyList<string> PgBouncerSources { get; init; } = [];

    /// <summary>How long PAUSE may wait for running transactions, in seconds. The default value is 5.</summary>
    public double PauseTimeoutSeconds { get; init; } = 5;

    /// <summary>
    /// How long the target may take, with the applications held, to apply everything written before the freeze; past it
    /// the switch rolls back (the applications go on with the source). In seconds. The default value is 30.
    /// </summary>
    public double CatchUpTimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// A command run by <c>/bin/sh -c</c> while writes are frozen and the target is level (DNS, HAProxy, a secret…);
    /// a non-zero exit rolls the cutover back. Only the CLI sets it: the service never runs a command from a request.
    /// </summary>
    public string? Command { get; init; }

    /// <summary>How long <see cref="Command"/> may run before it is killed and the cutover rolled back, in seconds. The default value is 60.</summary>
    public double CommandTimeoutSeconds { get; init; } = 60;

    /// <summary>
    /// Relay: before RESUME, start a stream from the target back to the source (a publication and slot per database on the
    /// target), so that <c>pgmove fallback</c> can move the applications back without losing a write. The default value is false.
    /// </summary>
    public bool Fallback { get; init; }

    /// <summary>For messages: which switch this is, without secrets.</summary>
    public override string ToString() => PgBouncerAdmin is { } admin ? $"PgBouncer at {admin}" : "the switch command";
}
