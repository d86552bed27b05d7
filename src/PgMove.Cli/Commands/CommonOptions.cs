using System.CommandLine;
using PgMove.Core.Connections;
using PgMove.Core.Errors;
using PgMove.Core.Migrations;

namespace PgMove.Cli.Commands;

/// <summary>Options shared by the verbs, and how they become connection specs.</summary>
internal static class CommonOptions
{
    public static Option<string?> Source() => new("--source")
    {
        Description = "Source server: postgres://user@host:port/dbname?sslmode=require, or key=value pairs. Defaults to $PGMOVE_SOURCE; missing parts come from PG* variables and ~/.pgpass. Prefer those for the password: the command line is visible to every user.",
    };

    public static Option<string?> Target() => new("--target")
    {
        Description = "Target server, in the same forms. Defaults to $PGMOVE_TARGET.",
    };

    public static Option<string[]> IgnoreDb() => new("--ignore-db")
    {
        Description = "A database not to migrate; repeat for several.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string> Method() => new Option<string>("--method")
    {
        Description = "relay (PgMove streams the changes), subscription (the target subscribes to the source), dump (one-time copy), or auto (relay).",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "relay", "subscription", "dump");

    public static Option<string?> PgBin() => new("--pg-bin")
    {
        Description = "Directory of pg_dump and pg_restore (the newest found on PATH or in /usr/lib/postgresql is used otherwise).",
    };

    public static Option<string?> State() => new("--state")
    {
        Description = "PgMove's state file (default: ~/.local/share/pgmove/state.db).",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print a JSON document instead of a table." };

    public static MigrationMethod ParseMethod(string value) => value switch
    {
        "subscription" => MigrationMethod.Subscription,
        "dump" => MigrationMethod.Dump,
        _ => MigrationMethod.Relay,
    };

    /// <summary>Parses --source/--target (or $PGMOVE_SOURCE/$PGMOVE_TARGET) and warns when a password sits in the arguments.</summary>
    public static ConnectionSpec Resolve(string? given, string option, string environmentVariable, TextWriter error)
    {
        var text = given ?? Environment.GetEnvironmentVariable(environmentVariable)
            ?? throw new UsageException("usage.missing_connection", $"{option} is missing.", $"Give {option} postgres://user@host:5432/dbname, or set ${environmentVariable}.");
        var spec = ConnectionSpecParser.Parse(text, option, ProcessEnvironment.Instance);
        if (given is not null && spec.Password is not null && ContainsPassword(given, spec.Password))
            error.WriteLine($"warning: the password of {option} is on the command line, where every user of this machine can read it; put it in ${environmentVariable}, PGPASSWORD or ~/.pgpass instead.");
        return spec;
    }

    private static bool ContainsPassword(string text, string password) =>
        password.Length > 0 && (text.Contains(password, StringComparison.Ordinal) || text.Contains(Uri.EscapeDataString(password), StringComparison.Ordinal));
}
