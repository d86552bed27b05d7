using Npgsql;

namespace PgMove.Core.Errors;

/// <summary>
/// One way to put a caught error into a sentence: a server's error as its message and SQLSTATE (the part a DBA looks
/// up; Npgsql's Message repeats the state in front), anything else as its message.
/// </summary>
internal static class ErrorText
{
    public static string Of(Exception error) => error is PostgresException pg ? $"{pg.MessageText} ({pg.SqlState})" : error.Message;
}
