using NpgsqlTypes;
using PgMove.Core.Replication.Ddl;

namespace PgMove.Core.Subscription;

/// <summary>
/// Which captured DDL the target still needs, and how it is named in errors. Pure: the reading is in
/// <see cref="CapturedDdl"/> and <see cref="TargetDdlMarks"/>, the applying in the runner.
/// </summary>
internal static class PendingDdl
{
    private const int ListedAtMost = 5;
    private const int StatementLength = 300;

    /// <summary>
    /// The DDL not yet recorded on the target and captured before <paramref name="bound"/> (the commit of the first
    /// transaction the subscription has not applied; null: no change is pending, so every captured DDL is behind
    /// it), in the order the source ran them. A later DDL stays: made now, it would not match the rows before it.
    /// </summary>
    public static List<CapturedDdl> Select(IEnumerable<CapturedDdl> captured, IReadOnlySet<long> applied, NpgsqlLogSequenceNumber? bound) =>
        captured.Where(c => !applied.Contains(c.Id) && (bound is not { } before || c.Lsn < before))
            .OrderBy(c => c.Lsn).ThenBy(c => c.Id).ToList();

    /// <summary>The statement as the target would run it, else as the source ran it; shortened for messages.</summary>
    public static string Statement(CapturedDdl ddl)
    {
        var plan = DdlPlan.For(ddl.Event);
        var text = plan.NotCarried is null && plan.Statements.Count > 0 ? string.Join("; ", plan.Statements) : ddl.Event.Query;
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)); // one line in messages
        return text.Length <= StatementLength ? text : text[..StatementLength] + "…";
    }

    /// <summary>"`stmt` (at source LSN x); …", at most a few, then how many more.</summary>
    public static string Describe(IReadOnlyList<CapturedDdl> pending)
    {
        var listed = pending.Take(ListedAtMost).Select(d => $"`{Statement(d)}` (at source LSN {d.Lsn})");
        var more = pending.Count > ListedAtMost ? $" and {pending.Count - ListedAtMost} more" : "";
        return string.Join("; ", listed) + more;
    }

    /// <summary>
    /// The target refused a DDL because its effect is already there: made by hand before (the advice before the
    /// capture existed was target first, then source). Objects that exist for a CREATE or ADD; objects that are gone
    /// for a DROP. Anything else is a real failure.
    /// </summary>
    public static bool AlreadyOnTarget(string sqlState, string tag) => sqlState switch
    {
        "42P07" or "42701" or "42710" or "42P06" or "42723" or "42P04" => true, // duplicate table, column, object, schema, function, database
        "42P01" or "42703" or "42704" or "42883" => tag.StartsWith("DROP ", StringComparison.Ordinal), // undefined table, column, object, function
        _ => false,
    };
}
