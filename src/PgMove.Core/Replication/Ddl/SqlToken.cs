namespace PgMove.Core.Replication.Ddl;

/// <summary>A word, quoted name, literal or symbol of a SQL statement, with where it starts and ends in the text.</summary>
/// <param name="Word">Upper-cased for a bare word; null for anything else (quoted names, literals, symbols).</param>
internal readonly record struct SqlToken(string? Word, char Symbol, int Start, int End);
