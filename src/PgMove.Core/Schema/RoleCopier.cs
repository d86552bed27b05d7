using System.Text;
using Npgsql;
using PgMove.Core.Catalog;
using PgMove.Core.Connections;
using PgMove.Core.Schema.Roles;

namespace PgMove.Core.Schema;

/// <summary>
/// Carries the source's roles to the target with <c>pg_dumpall --roles-only</c>. Roles the target already
/// has (its admin, the service's own roles) and PostgreSQL's pg_* roles are left alone. A role that
/// cannot be created is reported, not fatal: the copy goes on and objects keep the restoring user as owner.
/// </summary>
public static class RoleCopier
{
    public static async Task<RoleCopyResult> CopyAsync(PgToolset tools, ConnectionSpec source, bool sourceIsSuperuser, ConnectionSpec target, CancellationToken ct)
    {
        var arguments = new List<string> { "--roles-only", "--no-comments" };
        // Without superuser pg_authid is unreadable: roles travel without passwords.
        if (!sourceIsSuperuser)
            arguments.Add("--no-role-passwords");
        arguments.AddRange(["--dbname", Conninfo.ForDatabase(source.Database)]);
        var script = await PgToolRunner.RunAsync(tools.PgDumpAll, arguments, source, "roles: pg_dumpall --roles-only", ct);

        await using var connection = await PgConnector.OpenAsync(target, "target", ct);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT rolname FROM pg_catalog.pg_roles", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                existing.Add(reader.GetString(0));
        }

        var created = new List<string>();
        var kept = new List<string>();
        var failures = new List<string>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in Statements(script))
        {
            var role = RoleOf(statement);
            if (role is not null && (role.StartsWith("pg_", StringComparison.Ordinal) || skipped.Contains(role)))
                continue;
            if (role is not null && statement.StartsWith("CREATE ROLE", StringComparison.Ordinal) && existing.Contains(role))
            {
                skipped.Add(role);
                kept.Add(role);
                continue;
            }
            try
            {
                await using var command = new NpgsqlCommand(statement, connection);
                await command.ExecuteNonQueryAsync(ct);
                if (role is not null && statement.StartsWith("CREATE ROLE", StringComparison.Ordinal))
                    created.Add(role);
            }
            catch (PostgresException error)
            {
                // The statement can hold a password hash: name the role and the reason only.
                failures.Add(role is not null ? $"role {role}: {error.MessageText}" : $"{FirstWords(statement)}: {error.MessageText}");
                if (role is not null && statement.StartsWith("CREATE ROLE", StringComparison.Ordinal))
                    skipped.Add(role);
            }
        }
        return new RoleCopyResult(created, kept, failures);
    }

    /// <summary>
    /// At cutover, before verification: creates the roles made on the source since the migration began (with
    /// pg_dumpall, as at the start) and carries the changes made to the roles both servers have. Nothing is dropped:
    /// roles only the target has are named in a warning. Returns the sentences the cutover's result ends with.
    /// </summary>
    public static async Task<string> CarryAtCutoverAsync(PgToolset? tools, ConnectionSpec source, bool sourceIsSuperuser, ConnectionSpec target, CancellationToken ct)
    {
        var note = new StringBuilder();
        if (tools is null)
        {
            note.Append(" WARNING: roles created on the source during the migration were not copied (pg_dumpall was not found; name its directory with --pg-bin).");
        }
        else
        {
            var roles = await CopyAsync(tools, source, sourceIsSuperuser, target, ct);
            if (roles.Created.Count > 0)
                note.Append($" Roles created on the source during the migration were copied: {string.Join(", ", roles.Created)}.");
            if (roles.Failures.Count > 0)
                note.Append($" WARNING: roles not copied: {string.Join("; ", roles.Failures)}.");
        }

        var changes = await RoleSync.CarryChangesAsync(source, sourceIsSuperuser, target, ct);
        if (changes.Changed.Count > 0)
            note.Append($" Roles changed on the source during the migration were carried: {string.Join("; ", changes.Changed.Select(c => $"{c.Key} ({string.Join(", ", c.Value)})"))}.");
        if (changes.PasswordsSetBlind.Count > 0)
            note.Append($" The passwords of {string.Join(", ", changes.PasswordsSetBlind.Distinct())} were set from the source's hashes (the target's cannot be read to compare without superuser there).");
        if (changes.Failures.Count > 0)
            note.Append($" WARNING: role changes not carried: {string.Join("; ", changes.Failures)}.");
        if (changes.PasswordsNotCompared.Count > 0)
            note.Append($" WARNING: passwords could not be compared for the LOGIN roles {string.Join(", ", changes.PasswordsNotCompared)} (reading password hashes in pg_authid needs superuser on the source): if one changed during the migration, set it on the target (ALTER ROLE … PASSWORD).");
        if (changes.OnlyOnTarget.Count > 0)
            note.Append($" WARNING: roles on the target that the source does not have (dropped on the source during the migration, or the target's own): {string.Join(", ", changes.OnlyOnTarget)}. PgMove never drops a role: drop them on the target (DROP ROLE) if they should go.");
        return note.ToString();
    }

    /// <summary>SQL statements of a pg_dumpall script: comment lines dropped, lines joined up to the closing semicolon.</summary>
    internal static IEnumerable<string> Statements(string script)
    {
        var current = new StringBuilder();
        foreach (var line in script.Split('\n'))
        {
            if (current.Length == 0 && (line.StartsWith("--", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(line)))
                continue;
            if (current.Length == 0 && (line.StartsWith("SET ", StringComparison.Ordinal) || line.StartsWith("\\", StringComparison.Ordinal)))
                continue;
            current.Append(line).Append('\n');
            if (line.TrimEnd().EndsWith(';'))
            {
                yield return current.ToString().Trim();
                current.Clear();
            }
        }
    }

    /// <summary>The role a CREATE ROLE / ALTER ROLE / COMMENT ON ROLE statement is about, unquoted.</summary>
    internal static string? RoleOf(string statement)
    {
        foreach (var prefix in new[] { "CREATE ROLE ", "ALTER ROLE ", "COMMENT ON ROLE " })
        {
            if (statement.StartsWith(prefix, StringComparison.Ordinal))
                return ReadIdentifier(statement.AsSpan(prefix.Length));
        }
        return null;
    }

    private static string ReadIdentifier(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && text[0] == '"')
        {
            var name = new StringBuilder();
            for (var i = 1; i < text.Length; i++)
            {
                if (text[i] == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        name.Append('"');
                        i++;
                        continue;
                    }
                    break;
                }
                name.Append(text[i]);
            }
            return name.ToString();
        }
        var end = text.IndexOfAny(' ', ';', '\n');
        return (end < 0 ? text : text[..end]).ToString();
    }

    private static string FirstWords(string statement) =>
        string.Join(' ', statement.Split(' ', 4).Take(3));
}
