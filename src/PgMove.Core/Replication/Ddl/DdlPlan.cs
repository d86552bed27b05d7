using PgMove.Core.Catalog;

namespace PgMove.Core.Replication.Ddl;

/// <summary>
/// What the target runs for one captured DDL event: the statements (the event's own statement, made fit for
/// the apply transaction), nothing (a temporary table), or why it cannot be repeated safely.
/// </summary>
internal sealed record DdlPlan(IReadOnlyList<string> Statements, string? NotCarried)
{
    private static readonly HashSet<string> Control = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE"];

    // Session settings and maintenance: no schema change, nothing for the target to repeat (the search_path and
    // role the DDL ran with come with each event).
    private static readonly HashSet<string> Ignored = ["SET", "RESET", "SHOW", "ANALYZE", "VACUUM", "CHECKPOINT", "DISCARD", "LISTEN", "UNLISTEN", "NOTIFY", "LOAD", "CLUSTER"];

    private static readonly HashSet<string> DdlWords = ["CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "SECURITY", "IMPORT", "REFRESH", "REINDEX"];

    // Global objects and event triggers: event triggers never see them, so they take no place among the events.
    // Roles are carried at cutover by copying them again.
    private static readonly HashSet<string> GlobalObjects = ["ROLE", "USER", "GROUP", "DATABASE", "TABLESPACE", "EVENT", "SYSTEM"];

    // Words between CREATE and the kind of object.
    private static readonly HashSet<string> Modifiers = ["OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "RECURSIVE", "TRUSTED", "PROCEDURAL", "DEFAULT", "CONSTRAINT"];

    // ALTER TABLE also renames or moves views, sequences and indexes, and those commands take either tag.
    private static readonly HashSet<string> Relations = ["TABLE", "SEQUENCE", "VIEW", "INDEX", "MATERIALIZED", "FOREIGN"];

    public static readonly DdlPlan Nothing = new([], null);

    public static DdlPlan For(DdlEvent ddl)
    {
        if (ddl.Error is not null)
            return Refuse($"the capture on the source failed ({ddl.Error})");
        var statements = SqlStatementSplitter.Split(ddl.Query);
        var kinds = statements.Select(s => KindOf(s.Tokens)).ToList();
        if (kinds.Contains(Kind.Other))
            return Refuse(statements.Count == 1
                ? "it ran inside a function, procedure or DO block, whose statements PgMove cannot see"
                : "its query string mixes DDL with other statements (their rows arrive from the source, but the DDL cannot be told apart safely)");
        var first = kinds.IndexOf(Kind.Ddl);
        var last = kinds.LastIndexOf(Kind.Ddl);
        if (first >= 0 && kinds.Skip(first).Take(last - first).Contains(Kind.Control))
            return Refuse("its query string commits or rolls back between DDL statements");
        var ddlStatements = statements.Where((_, i) => kinds[i] == Kind.Ddl).ToList();
        if (ddl.Ordinal >= ddlStatements.Count || !TagMatches(ddl.Tag, ddlStatements[ddl.Ordinal].Tokens))
            return Refuse($"its {ddl.Tag} could not be matched with a statement of the query string (DDL run by another event trigger or a rule?)");
        var (text, tokens) = ddlStatements[ddl.Ordinal];
        return ddl.Tag switch
        {
            "CREATE TABLE AS" => CreateTableAs(text, tokens),
            "SELECT INTO" => SelectInto(text, tokens),
            // Cannot run in a transaction block; on the target, which only PgMove writes to, the plain form blocks
            // nobody and keeps the change atomic with the rows around it and the applied position.
            "ALTER TABLE" when DetachPartitionAt(tokens) is { } detach && tokens.Any(t => t.Word == "CONCURRENTLY") => DetachConcurrently(text, tokens, detach),
            "CREATE INDEX" or "DROP INDEX" or "REINDEX" or "ALTER TABLE" => new([WithoutWord(text, tokens, "CONCURRENTLY")], null),
            _ => new([text], null),
        };
    }

    private static DdlPlan Refuse(string reason) => new([], reason);

    private enum Kind { Ddl, Control, Ignored, Global, Other }

    private static Kind KindOf(List<SqlToken> tokens)
    {
        var first = tokens[0].Word;
        var second = tokens.Count > 1 ? tokens[1].Word : null;
        if (first is null)
            return Kind.Other;
        if (Control.Contains(first))
            return Kind.Control;
        if (Ignored.Contains(first))
            return Kind.Ignored;
        if (first == "REASSIGN" || (first is "CREATE" or "ALTER" or "DROP" && second is not null && GlobalObjects.Contains(second)
            && !(second == "USER" && tokens.Count > 2 && tokens[2].Word == "MAPPING")))
            return Kind.Global;
        if (first is "GRANT" or "REVOKE")
            return tokens.Any(t => t.Word == "ON") ? Kind.Ddl : Kind.Global; // without ON: role membership
        if (DdlWords.Contains(first))
            return Kind.Ddl;
        if (first == "SELECT" && IntoAt(tokens) >= 0)
            return Kind.Ddl;
        return Kind.Other;
    }

    private static bool TagMatches(string tag, List<SqlToken> tokens)
    {
        var tagWords = tag.Split(' ');
        if (tagWords[0] == "SELECT")
            return tokens[0].Word == "SELECT";
        var words = tokens.TakeWhile(t => t.Word is not null).Select(t => t.Word!).ToList();
        if (words.Count > 0 && words[0] == "CREATE")
            words = [words[0], .. words.Skip(1).SkipWhile(Modifiers.Contains)];
        for (var i = 0; i < Math.Min(2, tagWords.Length); i++)
        {
            if (i >= words.Count)
                return false;
            if (words[i] != tagWords[i] && !(i == 1 && tagWords[0] == "ALTER" && Relations.Contains(words[i]) && Relations.Contains(tagWords[i])))
                return false;
        }
        return true;
    }

    /// <summary>CREATE TABLE AS runs WITH NO DATA: its rows arrive from the source as inserts, as for any table.</summary>
    private static DdlPlan CreateTableAs(string text, List<SqlToken> tokens)
    {
        if (tokens.TakeWhile(t => t.Word != "TABLE").Any(t => t.Word is "TEMP" or "TEMPORARY"))
            return Nothing;
        var end = tokens.Count;
        if (end >= 2 && tokens[^1].Word == "DATA" && tokens[^2].Word == "WITH")
            end -= 2;
        else if (end >= 3 && tokens[^1].Word == "DATA" && tokens[^2].Word == "NO" && tokens[^3].Word == "WITH")
            end -= 3;
        return new([text[..tokens[end - 1].End] + " WITH NO DATA"], null);
    }

    /// <summary>SELECT INTO has no WITH NO DATA: the new table is emptied at once, and its rows arrive from the source.</summary>
    private static DdlPlan SelectInto(string text, List<SqlToken> tokens)
    {
        var i = IntoAt(tokens) + 1;
        while (i < tokens.Count && tokens[i].Word is "TEMP" or "TEMPORARY" or "UNLOGGED" or "TABLE")
        {
            if (tokens[i].Word is "TEMP" or "TEMPORARY")
                return Nothing;
            i++;
        }
        if (i >= tokens.Count)
            return Refuse("the table of its SELECT INTO could not be read");
        var nameEnd = i;
        if (nameEnd + 2 < tokens.Count && tokens[nameEnd + 1].Symbol == '.')
            nameEnd += 2;
        var name = text[tokens[i].Start..tokens[nameEnd].End];
        return new([text, $"TRUNCATE ONLY {name}"], null);
    }

    /// <summary>Where the partition's name starts in ALTER TABLE … DETACH PARTITION name, or null.</summary>
    private static int? DetachPartitionAt(List<SqlToken> tokens)
    {
        for (var i = 0; i + 2 < tokens.Count; i++)
        {
            if (tokens[i].Word == "DETACH" && tokens[i + 1].Word == "PARTITION")
                return i + 2;
        }
        return null;
    }

    /// <summary>
    /// DETACH PARTITION CONCURRENTLY leaves on the source's partition a CHECK constraint equal to its former
    /// partition bound (named as PostgreSQL names an unnamed one: table_column_check), unless the partition's own
    /// constraints imply it already. The plain form runs in the apply transaction but adds nothing, so the target
    /// adds the same constraint itself, read from the bound before the detach. "Implied" is taken as "a CHECK with
    /// the same text": a constraint that implies the bound in other words gets the bound added beside it.
    /// </summary>
    private static DdlPlan DetachConcurrently(string text, List<SqlToken> tokens, int nameAt)
    {
        var nameEnd = nameAt;
        if (nameEnd + 2 < tokens.Count && tokens[nameEnd + 1].Symbol == '.')
            nameEnd += 2;
        var partition = Identifiers.Literal(text[tokens[nameAt].Start..tokens[nameEnd].End]);
        var detach = WithoutWord(text, tokens, "CONCURRENTLY");
        const string quote = "$pgmove_detach$";
        if (detach.Contains(quote, StringComparison.Ordinal))
            return Refuse($"its text holds {quote}, which PgMove uses to repeat it");
        return new([$"""
            DO {quote}
            DECLARE
                bound text := pg_catalog.pg_get_partition_constraintdef({partition}::pg_catalog.regclass);
            BEGIN
                {detach};
                IF bound IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c WHERE c.conrelid = {partition}::pg_catalog.regclass
                   AND c.contype = 'c' AND pg_catalog.pg_get_constraintdef(c.oid) = 'CHECK (' || bound || ')') THEN
                    EXECUTE 'ALTER TABLE ' || {partition}::pg_catalog.regclass::text || ' ADD CHECK (' || bound || ')';
                END IF;
            END
            {quote}
            """], null);
    }

    /// <summary>The INTO of a SELECT INTO: outside parentheses.</summary>
    private static int IntoAt(List<SqlToken> tokens)
    {
        var depth = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            depth += tokens[i].Symbol == '(' ? 1 : tokens[i].Symbol == ')' ? -1 : 0;
            if (depth == 0 && tokens[i].Word == "INTO")
                return i;
        }
        return -1;
    }

    private static string WithoutWord(string text, List<SqlToken> tokens, string word)
    {
        foreach (var token in tokens.Where(t => t.Word == word).Reverse())
            text = text[..token.Start] + text[token.End..];
        return text;
    }
}
