namespace PgMove.Core.Copy;

/// <summary>Something worth telling the user or a script about while copying.</summary>
/// <param name="Kind">phase, table, build (a table's indexes and constraints built, or it was analyzed), warning, redo, skip or error; step: a step of the whole run, for the log only.</param>
public sealed record CopyEvent(string Kind, string? Database, string Message, string? Table = null, long? Rows = null, long? Bytes = null, double? Seconds = null);
