using System.CommandLine;
using PgMove.Core.Errors;
using PgMove.Core.Switch;

namespace PgMove.Cli.Commands;

/// <summary>The cutover's application switch: through PgBouncer, or a command of the user's.</summary>
internal sealed class SwitchOptions
{
    public Option<string?> PgBouncer { get; } = new("--pgbouncer")
    {
        Description = "Switch the applications through PgBouncer: its admin console (postgres://admin@host:6432/pgbouncer; the password from ~/.pgpass or PGPASSWORD). "
            + "Its entries that lead to the source are paused, rewritten to the target and resumed: queries wait instead of failing.",
    };

    public Option<string?> PgBouncerIni { get; } = new("--pgbouncer-ini") { Description = "PgBouncer's ini file (default: the conffile PgBouncer reports)." };

    public Option<string?> PgBouncerTarget { get; } = new("--pgbouncer-target")
    {
        Description = "The target as PgBouncer reaches it, host:port, when that differs from --target's address (a private network, a DNS name).",
    };

    public Option<string[]> PgBouncerSource { get; } = new("--pgbouncer-source")
    {
        Description = "Another address (host:port) under which PgBouncer's entries reach the source; entries naming it are switched too. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<double> PauseTimeout { get; } = new("--pause-timeout")
    {
        Description = "Seconds PgBouncer's PAUSE may wait for running transactions before the switch gives up, changing nothing (default 5).",
        DefaultValueFactory = _ => 5,
    };

    public Option<double> CatchUpTimeout { get; } = new("--catch-up-timeout")
    {
        Description = "Seconds the target may take to apply the last changes while the applications are held; past it the switch rolls back (default 30).",
        DefaultValueFactory = _ => 30,
    };

    public Option<string?> Command { get; } = new("--switch-command")
    {
        Description = "A command run by /bin/sh while writes are frozen and the target is level, to point the applications at the target "
            + "(PGMOVE_SWITCH_TARGET_HOST, _TARGET_PORT and _DATABASES in its environment, never a password); a non-zero exit rolls the cutover back.",
    };

    public Option<double> CommandTimeout { get; } = new("--switch-timeout")
    {
        Description = "Seconds --switch-command may run before it is killed and the cutover rolled back (default 60).",
        DefaultValueFactory = _ => 60,
    };

    public IEnumerable<Option> All => [PgBouncer, PgBouncerIni, PgBouncerTarget, PgBouncerSource, PauseTimeout, CatchUpTimeout, Command, CommandTimeout];

    /// <summary>The switch asked for on this command line, or null.</summary>
    public SwitchSettings? Read(ParseResult parse, TextWriter error)
    {
        var pgBouncer = parse.GetValue(PgBouncer);
        var command = parse.GetValue(Command);
        if (pgBouncer is not null && command is not null)
            throw new UsageException("usage.two_switches", "--pgbouncer and --switch-command were both given.", "Give one: --pgbouncer to switch through PgBouncer, or --switch-command for anything else.");
        if (pgBouncer is null && (Given(parse, PgBouncerIni) || Given(parse, PauseTimeout) || Given(parse, PgBouncerTarget) || Given(parse, PgBouncerSource)))
            throw new UsageException("usage.pgbouncer_missing", "--pgbouncer-ini, --pgbouncer-target, --pgbouncer-source and --pause-timeout need --pgbouncer.", "Add --pgbouncer with PgBouncer's admin console, or drop those options.");
        // Checked now, not at the switch: a typo must not wait for the applications to be paused.
        var bouncerTarget = parse.GetValue(PgBouncerTarget);
        if (bouncerTarget is not null)
            ServerEndpoint.Parse(bouncerTarget, "--pgbouncer-target");
        var bouncerSources = parse.GetValue(PgBouncerSource) ?? [];
        foreach (var address in bouncerSources)
            ServerEndpoint.Parse(address, "--pgbouncer-source");
        if (command is null && Given(parse, CommandTimeout))
            throw new UsageException("usage.switch_command_missing", "--switch-timeout needs --switch-command.", "Add --switch-command, or drop --switch-timeout.");
        if (pgBouncer is null && command is null)
        {
            if (Given(parse, CatchUpTimeout))
                throw new UsageException("usage.switch_missing", "--catch-up-timeout applies to a switch.", "Add --pgbouncer or --switch-command, or drop --catch-up-timeout.");
            return null;
        }
        Positive(parse.GetValue(PauseTimeout), "--pause-timeout");
        Positive(parse.GetValue(CatchUpTimeout), "--catch-up-timeout");
        Positive(parse.GetValue(CommandTimeout), "--switch-timeout");
        if (command is not null && string.IsNullOrWhiteSpace(command))
            throw new UsageException("usage.switch_command_empty", "--switch-command is empty.", "Give the command that points the applications at the target, e.g. --switch-command ./point-dns-at-target.sh");
        return new SwitchSettings
        {
            PgBouncerAdmin = pgBouncer is null ? null : CommonOptions.Resolve(pgBouncer, "--pgbouncer", "PGMOVE_PGBOUNCER", error),
            PgBouncerIni = parse.GetValue(PgBouncerIni) is { } ini ? Path.GetFullPath(ini) : null,
            PgBouncerTarget = bouncerTarget,
            PgBouncerSources = bouncerSources,
            PauseTimeoutSeconds = parse.GetValue(PauseTimeout),
            CatchUpTimeoutSeconds = parse.GetValue(CatchUpTimeout),
            Command = command,
            CommandTimeoutSeconds = parse.GetValue(CommandTimeout),
        };
    }

    /// <summary>On the command line, not only its default.</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static void Positive(double value, string option)
    {
        if (!(value > 0 && value <= 86_400))
            throw new UsageException("usage.bad_timeout", $"{option} must be a number of seconds above 0 (and at most a day); {value} was given.", $"Give {option} 5, say.");
    }
}
