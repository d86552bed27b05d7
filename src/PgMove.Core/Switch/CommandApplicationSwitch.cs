using System.Diagnostics;
using PgMove.Core.Connections;
using PgMove.Core.Errors;

namespace PgMove.Core.Switch;

/// <summary>
/// The switch without PgBouncer: the user's command (DNS, HAProxy, a Kubernetes secret…) runs by <c>/bin/sh -c</c>
/// while writes are frozen and the target is level. It learns where to point from PGMOVE_SWITCH_* variables and
/// never sees a password: PgMove's own connection variables and libpq's password variables are removed from its
/// environment. A non-zero exit, or running longer than its timeout, rolls the cutover back.
/// </summary>
internal sealed class CommandApplicationSwitch(string command, TimeSpan timeout, ConnectionSpec source, ConnectionSpec target, IReadOnlyList<string> databases, string migrationId)
    : IApplicationSwitch
{
    private static readonly string[] LibpqSecrets = ["PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE"];

    public Task PauseAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task MoveAsync(Func<SwitchStep, CancellationToken, Task> beforeStep, CancellationToken ct)
    {
        await beforeStep(SwitchStep.Rewriting, ct);
        using var process = new Process { StartInfo = StartInfo() };
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested)
                throw;
            throw new PgMoveException("switch.command_timeout", $"The switch command ran longer than {timeout.TotalSeconds:0.#} s and was killed.",
                "Make the command finish sooner, or give it more time with --switch-timeout; check where it left the applications, then run the cutover again.");
        }
        await Task.WhenAll(output, errors);
        if (process.ExitCode != 0)
        {
            var tail = string.Join(" | ", (await errors + await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(5));
            throw new PgMoveException("switch.command_failed", $"The switch command exited with {process.ExitCode}{(tail.Length == 0 ? "" : $": {tail}")}.",
                "Fix the command (it gets PGMOVE_SWITCH_TARGET_HOST, _PORT and _DATABASES), check where it left the applications, then run the cutover again.");
        }
    }

    public Task<string> ResumeAsync(CancellationToken ct) => Task.FromResult("The switch command moved the applications to the target.");

    public async Task<string> RollBackAsync(Func<CancellationToken, Task> undo, Exception cause)
    {
        await undo(CancellationToken.None);
        return "The source is writable again; if the switch command changed anything before it failed, point the applications back at the source.";
    }

    public async Task<SwitchRecovery> RecoverAsync(SwitchStep lastStep, Func<CancellationToken, Task> undo, CancellationToken ct)
    {
        if (lastStep is SwitchStep.Resuming or SwitchStep.Done)
            return new SwitchRecovery(true, "The switch command had completed: the applications use the target.");
        await undo(ct);
        return new SwitchRecovery(false, lastStep == SwitchStep.Rewriting
            ? "The switch command was interrupted while it ran: the source is writable again; check where the command left the applications."
            : "The switch was interrupted before its command ran: the source is writable again.");
    }

    private ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        // PGMOVE_SOURCE/_TARGET hold passwords, PGMOVE_SERVE_* the service's tokens: none of it is the command's business.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PGMOVE_", StringComparison.Ordinal) || LibpqSecrets.Contains(k)).ToList())
            info.Environment.Remove(name);
        info.Environment["PGMOVE_SWITCH_MIGRATION"] = migrationId;
        info.Environment["PGMOVE_SWITCH_SOURCE_HOST"] = source.Host;
        info.Environment["PGMOVE_SWITCH_SOURCE_PORT"] = source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGMOVE_SWITCH_TARGET_HOST"] = target.Host;
        info.Environment["PGMOVE_SWITCH_TARGET_PORT"] = target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGMOVE_SWITCH_DATABASES"] = string.Join(' ', databases);
        return info;
    }
}
